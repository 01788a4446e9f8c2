package io.crifailover.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Builds tiny single-layer images offline from busybox-static (plus a few shell scripts) and
 * pushes them to a registry over the OCI distribution API.
 */
public final class TestImageBuilder {
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final List<String> APPLETS = List.of(
            "sh",
            "sleep",
            "cat",
            "echo",
            "mkdir",
            "mv",
            "rm",
            "ls",
            "ps",
            "kill",
            "true",
            "false",
            "httpd",
            "wget",
            "date",
            "head",
            "tail",
            "grep",
            "env",
            "id",
            "hostname",
            "seq",
            "wc",
            "printf",
            "usleep");
    private static final long MTIME = 1_700_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestImageBuilder() {}

    /** An image pushed to a registry: tag reference and digest reference. */
    public record PushedImage(String tagRef, String digestRef, String manifestDigest) {}

    /**
     * Builds an image whose layer holds busybox, its applet links and {@code scripts}
     * (path inside the image -> content, made executable), then pushes it as {@code repo:tag}.
     */
    public static PushedImage buildAndPush(
            LocalRegistry registry, String repo, String tag, Map<String, String> scripts, List<String> cmd) {
        return buildAndPush(registry, repo, tag, scripts, List.of(), cmd);
    }

    /**
     * Like {@link #buildAndPush(LocalRegistry, String, String, Map, List)}, also copying {@code hostFiles}
     * (absolute paths on this machine, links followed) to the same paths in the image.
     */
    public static PushedImage buildAndPush(
            LocalRegistry registry,
            String repo,
            String tag,
            Map<String, String> scripts,
            List<Path> hostFiles,
            List<String> cmd) {
        try {
            byte[] layer = layer(scripts, hostFiles);
            String layerDigest = sha256(layer);
            ObjectNode config = JSON.createObjectNode();
            config.put("created", "2024-01-01T00:00:00Z");
            config.put("architecture", "amd64");
            config.put("os", "linux");
            ObjectNode cfg = config.putObject("config");
            cfg.putArray("Env").add("PATH=/bin:/usr/bin");
            ArrayNode cmdNode = cfg.putArray("Cmd");
            cmd.forEach(cmdNode::add);
            cfg.put("WorkingDir", "/");
            ObjectNode rootfs = config.putObject("rootfs");
            rootfs.put("type", "layers");
            rootfs.putArray("diff_ids").add(layerDigest);
            byte[] configBytes = JSON.writeValueAsBytes(config);

            ObjectNode manifest = JSON.createObjectNode();
            manifest.put("schemaVersion", 2);
            manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
            manifest.set("config", descriptor("application/vnd.oci.image.config.v1+json", configBytes));
            manifest.putArray("layers").add(descriptor("application/vnd.oci.image.layer.v1.tar", layer));
            byte[] manifestBytes = JSON.writeValueAsBytes(manifest);

            HttpClient http = HttpClient.newHttpClient();
            pushBlob(http, registry, repo, layer);
            pushBlob(http, registry, repo, configBytes);
            HttpResponse<String> put = http.send(
                    HttpRequest.newBuilder(URI.create(registry.url() + "/v2/" + repo + "/manifests/" + tag))
                            .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                            .PUT(HttpRequest.BodyPublishers.ofByteArray(manifestBytes))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (put.statusCode() != 201) {
                throw new IllegalStateException("manifest push failed: " + put.statusCode() + " " + put.body());
            }
            String digest = sha256(manifestBytes);
            String base = registry.hostPort() + "/" + repo;
            return new PushedImage(base + ":" + tag, base + "@" + digest, digest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void pushBlob(HttpClient http, LocalRegistry registry, String repo, byte[] blob)
            throws IOException, InterruptedException {
        HttpResponse<Void> start = http.send(
                HttpRequest.newBuilder(URI.create(registry.url() + "/v2/" + repo + "/blobs/uploads/"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        String location = start.headers()
                .firstValue("Location")
                .orElseThrow(() -> new IllegalStateException("upload start failed: " + start.statusCode()));
        URI upload = URI.create(registry.url()).resolve(location);
        String sep = upload.toString().contains("?") ? "&" : "?";
        HttpResponse<String> put = http.send(
                HttpRequest.newBuilder(URI.create(upload + sep + "digest=" + sha256(blob)))
                        .header("Content-Type", "application/octet-stream")
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(blob))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (put.statusCode() != 201) {
            throw new IllegalStateException("blob push failed: " + put.statusCode() + " " + put.body());
        }
    }

    private static ObjectNode descriptor(String mediaType, byte[] content) {
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", mediaType);
        d.put("digest", sha256(content));
        d.put("size", content.length);
        return d;
    }

    private static byte[] layer(Map<String, String> scripts, List<Path> hostFiles) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (String dir : List.of("bin/", "data/", "tmp/", "etc/", "proc/", "sys/", "dev/")) {
                TarArchiveEntry e = new TarArchiveEntry(dir);
                e.setMode(dir.equals("tmp/") ? 01777 : 0755);
                e.setModTime(MTIME * 1000);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
            file(tar, "bin/busybox", Files.readAllBytes(BUSYBOX), 0755);
            for (String applet : APPLETS) {
                TarArchiveEntry link = new TarArchiveEntry("bin/" + applet, TarArchiveEntry.LF_SYMLINK);
                link.setLinkName("busybox");
                link.setModTime(MTIME * 1000);
                tar.putArchiveEntry(link);
                tar.closeArchiveEntry();
            }
            file(tar, "etc/passwd", "root:x:0:0:root:/:/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0644);
            java.util.Set<String> dirs =
                    new java.util.TreeSet<>(List.of("bin/", "data/", "tmp/", "etc/", "proc/", "sys/", "dev/"));
            for (Map.Entry<String, String> s : new java.util.TreeMap<>(scripts).entrySet()) {
                parentDirs(tar, s.getKey(), dirs);
                file(tar, s.getKey(), s.getValue().getBytes(StandardCharsets.UTF_8), 0755);
            }
            for (Path host : new java.util.TreeSet<>(hostFiles)) {
                String name = host.toString().substring(1);
                parentDirs(tar, name, dirs);
                file(tar, name, Files.readAllBytes(host), 0755);
            }
        }
        return bytes.toByteArray();
    }

    /** Writes a directory entry for each parent of {@code name} not written yet (recorded in {@code written}). */
    private static void parentDirs(TarArchiveOutputStream tar, String name, java.util.Set<String> written)
            throws IOException {
        List<String> missing = new java.util.ArrayList<>();
        for (Path parent = Path.of(name).getParent(); parent != null; parent = parent.getParent()) {
            if (!written.contains(parent + "/")) {
                missing.add(0, parent + "/");
            }
        }
        for (String dir : missing) {
            written.add(dir);
            TarArchiveEntry d = new TarArchiveEntry(dir);
            d.setMode(0755);
            d.setModTime(MTIME * 1000);
            tar.putArchiveEntry(d);
            tar.closeArchiveEntry();
        }
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] content, int mode) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        e.setMode(mode);
        e.setModTime(MTIME * 1000);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    static String sha256(byte[] content) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
