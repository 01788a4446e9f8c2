package io.crifailover.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecureFilesTest {

    @TempDir
    Path dir;

    @Test
    void atomicWritesAre0600InCreated0700DirectoriesAndLeaveNoTemporaryFile() throws IOException {
        Path target = dir.resolve("a/b/file.json");
        SecureFiles.writeAtomically(target, "one".getBytes());
        SecureFiles.writeAtomically(target, "two".getBytes());
        assertThat(target).hasContent("two");
        assertThat(mode(target)).isEqualTo("rw-------");
        assertThat(mode(dir.resolve("a"))).isEqualTo("rwx------");
        assertThat(mode(dir.resolve("a/b"))).isEqualTo("rwx------");
        assertThat(names(target.getParent())).containsExactly("file.json");
    }

    @Test
    void unsyncedReplacementIsAlsoWholeAndPrivate() throws IOException {
        Path target = dir.resolve("recipe");
        SecureFiles.replaceUnsynced(target, new byte[] {1, 2, 3});
        assertThat(Files.readAllBytes(target)).containsExactly(1, 2, 3);
        assertThat(mode(target)).isEqualTo("rw-------");
        assertThat(names(dir)).containsExactly("recipe");
    }

    @Test
    void existingDirectoriesKeepTheirModeUnlessTheyAreToBeMadePrivate() throws IOException {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        SecureFiles.createPrivateDirectories(shared.resolve("out"));
        assertThat(mode(shared)).isEqualTo("rwxr-xr-x");
        assertThat(mode(shared.resolve("out"))).isEqualTo("rwx------");

        SecureFiles.ensurePrivateDirectory(shared);
        assertThat(mode(shared)).isEqualTo("rwx------");
    }

    @Test
    void privateFilesAndTemporaryFilesAre0600() throws IOException {
        Path file = dir.resolve("upload");
        SecureFiles.createPrivateFile(file).close();
        assertThat(mode(file)).isEqualTo("rw-------");
        assertThat(mode(SecureFiles.createPrivateTempFile(dir, ".blob-"))).isEqualTo("rw-------");
        assertThat(mode(SecureFiles.createPrivateTempDirectory(dir, ".staging-")))
                .isEqualTo("rwx------");
    }

    @Test
    void deleteRecursivelyRemovesATreeAndIgnoresAMissingPath() throws IOException {
        Path tree = dir.resolve("t");
        SecureFiles.writeAtomically(tree.resolve("x/y"), new byte[1]);
        SecureFiles.deleteRecursively(tree);
        assertThat(tree).doesNotExist();
        SecureFiles.deleteRecursively(tree);
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static java.util.List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
