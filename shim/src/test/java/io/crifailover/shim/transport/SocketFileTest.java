package io.crifailover.shim.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketFileTest {

    @TempDir
    Path dir;

    @Test
    void createsMissingParentDirectoriesWithMode0750() throws IOException {
        Path socket = dir.resolve("a/b/cri.sock");

        SocketFile.prepare(socket);

        assertThat(socket.getParent()).isDirectory();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
                .isEqualTo("rwxr-x---");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a"))))
                .isEqualTo("rwxr-x---");
    }

    @Test
    void replacesAStaleSocketNobodyListensOn() throws IOException {
        Path socket = dir.resolve("cri.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        server.close();
        assertThat(socket).exists();

        SocketFile.prepare(socket);

        assertThat(socket).doesNotExist();
    }

    @Test
    void refusesToTakeOverALiveSocket() throws IOException {
        Path socket = dir.resolve("cri.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));

            assertThatThrownBy(() -> SocketFile.prepare(socket))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("already serving on " + socket);
            assertThat(socket).exists();
        }
    }

    @Test
    void refusesToReplaceSomethingThatIsNotASocket() throws IOException {
        Path file = Files.writeString(dir.resolve("cri.sock"), "precious");

        assertThatThrownBy(() -> SocketFile.prepare(file))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("not a socket");
        assertThat(file).hasContent("precious");
    }

    @Test
    void restrictsTheSocketTo0660() throws IOException {
        Path socket = dir.resolve("cri.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            SocketFile.restrict(socket);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
                    .isEqualTo("rw-rw----");
        }
    }
}
