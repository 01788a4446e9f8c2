#!/bin/bash
# Installs the cri-failover criu stand-in on this node.
#
#   install.sh [--from DIR] [--prefix DIR] [--link-dir DIR|--no-link] [--java PATH]
#
# --from      a built criu-sniffer/target directory (default: ../../../target next to this script)
# --prefix    installation directory (default /usr/local/lib/cri-failover/sniffer)
# --conf      config file written if missing (default /etc/cri-failover/sniffer.conf)
# --link-dir  where the `criu` symlink goes (default /usr/local/sbin, ahead of /usr/sbin on the
#             default PATH of systemd services such as containerd and crio); --no-link skips it
# The config /etc/cri-failover/sniffer.conf is written only if missing. Sniffing stays off until
# `cri-failover sniff on` (or: touch /run/cri-failover/sniff.enabled).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
from=$here/../../../target
prefix=/usr/local/lib/cri-failover/sniffer
link_dir=/usr/local/sbin
java=$(command -v java || echo /usr/bin/java)
conf=/etc/cri-failover/sniffer.conf
while [ $# -gt 0 ]; do
    case $1 in
        --from) from=$2; shift 2 ;;
        --prefix) prefix=$2; shift 2 ;;
        --link-dir) link_dir=$2; shift 2 ;;
        --no-link) link_dir=; shift ;;
        --java) java=$2; shift 2 ;;
        --conf) conf=$2; shift 2 ;;
        *) echo "install.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done

jar=$(ls "$from"/criu-sniffer-*.jar 2>/dev/null | head -n 1 || true)
if [ -z "$jar" ] || [ ! -d "$from/lib" ]; then
    echo "install.sh: $from has no criu-sniffer jar and lib/ (run: mvn -o -pl criu-sniffer package)" >&2
    exit 1
fi

install -d -m 0755 "$prefix/bin" "$prefix/lib"
rm -f "$prefix"/lib/*.jar
install -m 0644 "$jar" "$from"/lib/*.jar "$prefix/lib/"
install -m 0755 "$here/criu" "$prefix/bin/criu"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Native libraries unpacked once (junixsocket and jffi otherwise extract them to /tmp on every start).
case $(uname -m) in
    x86_64) jux=amd64-Linux-clang; jffi=x86_64-Linux ;;
    aarch64) jux=aarch64-Linux-clang; jffi=aarch64-Linux ;;
    *) jux=; jffi= ;;
esac
rm -rf "$prefix/native"
if [ -n "$jux" ]; then
    install -d -m 0755 "$prefix/native"
    (cd "$scratch" && unzip -q -o "$prefix"/lib/junixsocket-native-common-*.jar "lib/$jux/jni/*" \
        && unzip -q -o "$prefix"/lib/jffi-*-native.jar "jni/$jffi/libjffi-*.so") || true
    jux_so=$(ls "$scratch/lib/$jux/jni/"libjunixsocket-native-*.so 2>/dev/null | grep -v nodeps | head -n 1 || true)
    jffi_so=$(ls "$scratch/jni/$jffi/"libjffi-*.so 2>/dev/null | head -n 1 || true)
    if [ -n "$jux_so" ] && [ -n "$jffi_so" ]; then
        install -m 0644 "$jux_so" "$prefix/native/libjunixsocket.so"
        install -m 0644 "$jffi_so" "$prefix/native/"
    else
        rm -rf "$prefix/native"
    fi
fi
native_opts=()
if [ -d "$prefix/native" ]; then
    native_opts=(-Dorg.newsclub.net.unix.library.override="$prefix/native/libjunixsocket.so" -Djffi.boot.library.path="$prefix/native")
fi

# Class-data-sharing archive: one training run records the classes a sniffer run loads.
"$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xms8m -Xmx64m -Xss512k -XX:-UsePerfData -Djnr.ffi.asm.enabled=false \
    -XX:ArchiveClassesAtExit="$scratch/sniffer.jsa" -Dslf4j.internal.verbosity=ERROR "${native_opts[@]}" \
    -cp "$prefix/lib/*" io.crifailover.sniffer.SnifferMain --train "$scratch/train" >/dev/null 2>&1 \
    && install -m 0644 "$scratch/sniffer.jsa" "$prefix/sniffer.jsa" \
    || echo "install.sh: no CDS archive (the sniffer still works, starts slower)" >&2

if [ ! -e "$conf" ]; then
    install -d -m 0755 "$(dirname "$conf")"
    sed -e "s|^SNIFFER_HOME=.*|SNIFFER_HOME=$prefix|" -e "s|^JAVA=.*|JAVA=$java|" \
        "$here/sniffer.conf.example" > "$conf.tmp.$$"
    chmod 0644 "$conf.tmp.$$"
    mv "$conf.tmp.$$" "$conf"
fi
if [ -n "$link_dir" ]; then
    ln -sfn "$prefix/bin/criu" "$link_dir/criu"
fi
echo "installed the criu stand-in in $prefix${link_dir:+ (linked as $link_dir/criu)}"
