package io.crifailover.image.oci;

import io.crifailover.oci.OciLayoutMarker;
import io.crifailover.oci.OciLayoutPaths;
import io.crifailover.oci.SecureFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Packs a layout directory into an {@code oci-archive} tar (the layout's files at the tar root),
 * reproducibly: {@code oci-layout}, {@code index.json}, then the blobs sorted by digest, all with
 * the normalized headers of {@link LayerTarWriter}. Written to a temporary file and renamed.
 */
public final class OciArchiveWriter {

    private OciArchiveWriter() {}

    /** Writes {@code layout} as an oci-archive at {@code target}. */
    public static void write(Path layout, Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        SecureFiles.createPrivateDirectories(parent);
        Path temp = SecureFiles.createPrivateTempFile(parent, "." + target.getFileName() + ".");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 20);
                    LayerTarWriter tar = new LayerTarWriter(out)) {
                addFile(tar, layout, OciLayoutMarker.FILE_NAME);
                addFile(tar, layout, OciLayoutPaths.INDEX_FILE);
                tar.addDirectory("blobs");
                tar.addDirectory(OciLayoutPaths.BLOB_DIR);
                for (String blob : sortedBlobs(OciLayoutPaths.blobDir(layout))) {
                    addFile(tar, layout, OciLayoutPaths.BLOB_DIR + "/" + blob);
                }
                tar.finish();
            }
            SecureFiles.fsync(temp);
            SecureFiles.atomicMove(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static List<String> sortedBlobs(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(name -> !name.startsWith("."))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    private static void addFile(LayerTarWriter tar, Path layout, String name) throws IOException {
        Path file = layout.resolve(name);
        try (InputStream in = Files.newInputStream(file)) {
            tar.addFile(name, Files.size(file), in);
        }
    }
}
