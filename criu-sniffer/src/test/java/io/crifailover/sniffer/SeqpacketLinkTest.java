package io.crifailover.sniffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeqpacketLinkTest {
    @TempDir
    Path tmp;

    @Test
    void adoptsAnExistingSeqpacketFdAndPassesDatagramsWithFds() throws Exception {
        SeqpacketLink[] outer = SeqpacketLink.pair();
        SeqpacketLink adopted = SeqpacketLink.adopt(outer[1].fdNumber());
        Path file = tmp.resolve("payload");
        Files.writeString(file, "hello through SCM_RIGHTS");
        try (FileInputStream in = new FileInputStream(file.toFile())) {
            int copy = NativeCalls.libc().dup(NativeCalls.fdNumber(in.getFD()));
            outer[0].send(new SeqpacketLink.Datagram(new byte[] {8, 1}, new FileDescriptor[] {fdOf(copy)}));
        }
        SeqpacketLink.Datagram got = adopted.receive();
        assertThat(got.bytes()).containsExactly(8, 1);
        assertThat(got.fds()).hasSize(1);
        try (FileInputStream passed = new FileInputStream(got.fds()[0])) {
            assertThat(new String(passed.readAllBytes())).isEqualTo("hello through SCM_RIGHTS");
        }

        adopted.send(new SeqpacketLink.Datagram(new byte[] {1, 2, 3}, new FileDescriptor[0]));
        assertThat(outer[0].receive().bytes()).containsExactly(1, 2, 3);

        adopted.shutdownOutput();
        assertThat(outer[0].receive()).as("end of stream after shutdown").isNull();
        outer[0].close();
        outer[1].close();
        adopted.close();
    }

    @Test
    void peerPidIsTheCreatorOfThePair() throws Exception {
        SeqpacketLink[] pair = SeqpacketLink.pair();
        assertThat(pair[0].peerPid()).isEqualTo(ProcessHandle.current().pid());
        pair[0].close();
        pair[1].close();
    }

    private static FileDescriptor fdOf(int fd) throws Exception {
        return org.newsclub.net.unix.FileDescriptorCast.unsafeUsing(fd).getFileDescriptor();
    }
}
