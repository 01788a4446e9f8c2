#!/bin/bash
# Builds the shim image's base offline: a jlink'ed Java runtime made from the local JDK at
# /opt/cri-failover/jre, the shared libraries it needs (found with ldd) from this machine, and
# busybox as /bin/sh for the launcher. Output: a `docker save`-format tarball (manifest.json, config,
# one layer.tar), which Jib reads with <from><image>tar://...</image></from>.
#
#   build-base-image.sh OUT_DIR JAVA_MODULES
#
# Reproducible (sorted entries, fixed mtimes and owners) and skipped when OUT_DIR already holds a
# tarball built from the same JDK, modules, busybox and script.
set -euo pipefail

out=$(mkdir -p "$1" && cd "$1" && pwd)
modules=$2
tarball=$out/base-image.tar
jlink=${JLINK:-$(command -v jlink)}
busybox=${BUSYBOX:-$(command -v busybox || true)}
prefix=opt/cri-failover

key=$(printf '%s\n' "$(readlink -f "$jlink")" "$("$jlink" --version)" "$modules" "$(readlink -f "$busybox")" \
    "$(sha256sum "$0" | cut -d' ' -f1)")
if [ -f "$tarball" ] && [ "$(cat "$out/base-image.key" 2>/dev/null)" = "$key" ]; then
    echo "base image up to date: $tarball"
    exit 0
fi
if [ -z "$busybox" ]; then
    echo "build-base-image.sh: busybox not found (apt-get install busybox-static)" >&2
    exit 1
fi

work=$out/work
rm -rf "$work" "$tarball" "$out/base-image.key"
mkdir -p "$work/rootfs/$prefix" "$work/image"
rootfs=$work/rootfs

"$jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --output "$rootfs/$prefix/jre"
# The shim runs headless: drop the native GUI, font and sound libraries (and the X11/font stack they
# would pull in below). java.desktop's classes stay for java.beans.
for gui in libawt_xawt.so libsplashscreen.so libjsound.so libfontmanager.so liblcms.so libjavajpeg.so; do
    rm -f "$rootfs/$prefix/jre/lib/$gui"
done

# Shared libraries the runtime links against, with their dynamic loader, from this machine.
libs=$(find "$rootfs/$prefix/jre" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 \
    | xargs -0 ldd 2>/dev/null \
    | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' \
    | grep -v "^$rootfs" | sort -u)
for lib in $libs; do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
done
# Merged-/usr hosts resolve /lib64/ld-linux-*.so via /lib64 -> usr/lib64; keep both spellings.
for dir in lib lib64; do
    if [ -L "/$dir" ] && [ -d "$rootfs/$dir" ] && [ ! -L "$rootfs/$dir" ]; then
        mkdir -p "$rootfs/usr/$dir"
        cp -a "$rootfs/$dir/." "$rootfs/usr/$dir/"
        rm -rf "${rootfs:?}/$dir"
        ln -s "usr/$dir" "$rootfs/$dir"
    fi
done

# A shell and the few tools the launcher and the installer use (nsenter/chroot reach the host's systemctl).
mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
cp -L "$busybox" "$rootfs/bin/busybox"
for applet in sh readlink dirname cat ls env sleep nsenter chroot; do
    ln -s busybox "$rootfs/bin/$applet"
done
chmod 1777 "$rootfs/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"

tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$rootfs" -cf "$work/layer.tar" .
layer_sha=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
mkdir -p "$work/image/$layer_sha"
mv "$work/layer.tar" "$work/image/$layer_sha/layer.tar"

case $(uname -m) in
    x86_64) arch=amd64 ;;
    aarch64) arch=arm64 ;;
    *) arch=$(uname -m) ;;
esac
path="/$prefix/bin:/$prefix/jre/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
printf '{"architecture":"%s","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=%s","JAVA_HOME=/%s/jre"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"build-base-image.sh: jlink %s"}]}' \
    "$arch" "$path" "$prefix" "$layer_sha" "$modules" > "$work/config.json"
config_sha=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$work/image/$config_sha.json"
printf '[{"Config":"%s.json","RepoTags":["cri-failover/base:local"],"Layers":["%s/layer.tar"]}]' \
    "$config_sha" "$layer_sha" > "$work/image/manifest.json"

# Member names without a leading "./" (Jib refuses entries that look like they leave the archive).
(cd "$work/image" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$tarball.tmp" \
    manifest.json "$config_sha.json" "$layer_sha/layer.tar")
mv "$tarball.tmp" "$tarball"
printf '%s' "$key" > "$out/base-image.key"
rm -rf "$work"
echo "built base image $tarball ($(du -h "$tarball" | cut -f1), layer sha256:$layer_sha)"
