package io.crifailover.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipEncodingHelper;

/** Builds synthetic checkpoint archives (valid and broken) for tests. */
final class TestArchives {

    static final String CONTAINERD_SPEC = """
            {"ociVersion":"1.1.0","process":{"args":["/bin/counter"]},
             "annotations":{"io.kubernetes.cri.container-type":"container",
              "io.kubernetes.cri.container-name":"counter",
              "io.kubernetes.cri.sandbox-id":"sb123",
              "io.kubernetes.cri.sandbox-name":"counter-pod",
              "io.kubernetes.cri.sandbox-namespace":"default",
              "io.kubernetes.cri.sandbox-uid":"uid-1234",
              "io.kubernetes.cri.image-name":"127.0.0.1:5000/counter:latest"}}
            """;
    static final String CONTAINERD_CONFIG = """
            {"id":"abc123","name":"counter","rootfsImage":"127.0.0.1:5000/counter:latest",
             "rootfsImageRef":"sha256:1111111111111111111111111111111111111111111111111111111111111111",
             "rootfsImageName":"127.0.0.1:5000/counter:latest","runtime":"io.containerd.runc.v2",
             "createdTime":"2026-01-02T03:04:05.123456789Z","checkpointedTime":"2026-01-02T03:05:06.5Z"}
            """;
    static final String CRIO_SPEC = """
            {"ociVersion":"1.1.0","annotations":{"io.kubernetes.cri-o.ContainerType":"container",
              "io.kubernetes.cri-o.SandboxID":"crio-sb","io.kubernetes.container.name":"web",
              "io.kubernetes.pod.name":"web-0","io.kubernetes.pod.namespace":"shop",
              "io.kubernetes.pod.uid":"uid-crio"}}
            """;
    static final String CRIO_CONFIG = """
            {"id":"crio-ctr","name":"k8s_web_web-0_shop_uid-crio_0","rootfsImageName":"quay.io/x/web:1",
             "runtime":"runc","createdTime":"2026-01-02T03:04:05Z","checkpointedTime":"2026-01-02T03:05:06+01:00"}
            """;

    private TestArchives() {}

    static byte[] fixture(String name) throws IOException {
        try (InputStream in = TestArchives.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IOException("missing fixture " + name);
            }
            return in.readAllBytes();
        }
    }

    /** Entries of a plausible containerd checkpoint archive, in containerd's order. */
    static Map<String, byte[]> containerdEntries(int pagesBytes, long seed) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("checkpoint/", null);
        entries.put("checkpoint/inventory.img", fixture("inventory.img"));
        byte[] pages = new byte[pagesBytes];
        new Random(seed).nextBytes(pages);
        entries.put("checkpoint/pages-1.img", pages);
        entries.put("config.dump", CONTAINERD_CONFIG.getBytes(StandardCharsets.UTF_8));
        entries.put("container.log", "2026-01-02T03:04:05Z stdout F hello\n".getBytes(StandardCharsets.UTF_8));
        entries.put("dump.log", "(00.000045) Version: 4.1.1 (gitid 0)\n".getBytes(StandardCharsets.UTF_8));
        entries.put("rootfs-diff.tar", new byte[1024]);
        entries.put("spec.dump", CONTAINERD_SPEC.getBytes(StandardCharsets.UTF_8));
        entries.put("stats-dump", fixture("stats-dump"));
        entries.put("status", "{}".getBytes(StandardCharsets.UTF_8));
        entries.put("status.dump", "{}".getBytes(StandardCharsets.UTF_8));
        return entries;
    }

    static Map<String, byte[]> crioEntries() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("./", null);
        entries.put("./bind.mounts", "[]".getBytes(StandardCharsets.UTF_8));
        entries.put("./checkpoint/inventory.img", fixture("inventory.img"));
        entries.put("./config.dump", CRIO_CONFIG.getBytes(StandardCharsets.UTF_8));
        entries.put("./spec.dump", CRIO_SPEC.getBytes(StandardCharsets.UTF_8));
        entries.put("./stats-dump", fixture("stats-dump"));
        return entries;
    }

    /** Writes {@code entries} (null value = directory) as a plain tar. */
    static Path write(Path file, Map<String, byte[]> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            writeTo(out, entries);
        }
        return file;
    }

    static Path writeGzip(Path file, Map<String, byte[]> entries) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            writeTo(out, entries);
        }
        return file;
    }

    static void writeTo(OutputStream out, Map<String, byte[]> entries) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            TarArchiveEntry entry = new TarArchiveEntry(e.getKey(), true);
            if (e.getValue() != null) {
                entry.setSize(e.getValue().length);
            }
            tar.putArchiveEntry(entry);
            if (e.getValue() != null) {
                tar.write(e.getValue());
            }
            tar.closeArchiveEntry();
        }
        tar.finish();
    }

    /** A valid archive plus one extra (bad) entry of the given type, written with raw headers. */
    static Path withExtraEntry(Path file, TarArchiveEntry extra) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8");
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> e : containerdEntries(4096, 1).entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey(), true);
                if (e.getValue() != null) {
                    entry.setSize(e.getValue().length);
                }
                tar.putArchiveEntry(entry);
                if (e.getValue() != null) {
                    tar.write(e.getValue());
                }
                tar.closeArchiveEntry();
            }
            tar.putArchiveEntry(extra);
            tar.closeArchiveEntry();
            tar.finish();
        }
        return file;
    }

    static TarArchiveEntry entry(String name, byte type) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        return e;
    }

    static TarArchiveEntry link(String name, byte type, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setLinkName(target);
        return e;
    }

    /** A tar whose only entry header declares {@code size} bytes (binary size field) followed by a little data. */
    static Path declaredSize(Path file, String name, long size) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        e.setSize(size);
        byte[] header = new byte[512];
        e.writeEntryHeader(header, ZipEncodingHelper.getZipEncoding("UTF-8"), true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header);
        out.write(new byte[4096]);
        Files.write(file, out.toByteArray());
        return file;
    }
}
