package io.crifailover.sniffer;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.newsclub.net.unix.AFSocketType;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketPair;

/**
 * One SOCK_SEQPACKET endpoint the sniffer reads datagrams from and writes datagrams to, with
 * file descriptors passed along (SCM_RIGHTS). Never shuts the socket down on close, because
 * the underlying socket may be shared with another process.
 */
final class SeqpacketLink implements AutoCloseable {
    /** Larger than anything runc or CRIU sends (runc reads replies into 40 KiB). */
    static final int MAX_DATAGRAM = 1 << 20;

    private static final int ANCILLARY_BYTES = 4096;

    private final AFUNIXDatagramChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(MAX_DATAGRAM);

    /** A received datagram: its bytes and the fds that came with it (now open in this process). */
    record Datagram(byte[] bytes, FileDescriptor[] fds) {}

    private SeqpacketLink(AFUNIXDatagramChannel channel) {
        this.channel = channel;
        channel.setShutdownOnClose(false);
        channel.setAncillaryReceiveBufferSize(ANCILLARY_BYTES);
    }

    /**
     * Wraps the inherited SEQPACKET socket at {@code fd}: a fresh pair's first end is replaced by
     * a duplicate of {@code fd} (junixsocket cannot cast an inherited SEQPACKET fd directly).
     */
    static SeqpacketLink adopt(int fd) throws IOException {
        AFUNIXSocketPair<AFUNIXDatagramChannel> pair = AFUNIXSocketPair.openDatagram(AFSocketType.SOCK_SEQPACKET);
        AFUNIXDatagramChannel mine = pair.getSocket1();
        AFUNIXDatagramChannel spare = pair.getSocket2();
        spare.setShutdownOnClose(false);
        mine.setShutdownOnClose(false);
        NativeCalls.dup2(fd, NativeCalls.fdNumber(mine.getFileDescriptor()));
        spare.close();
        return new SeqpacketLink(mine);
    }

    /** A new connected pair; the first is the sniffer's, the second goes to a child. */
    static SeqpacketLink[] pair() throws IOException {
        AFUNIXSocketPair<AFUNIXDatagramChannel> pair = AFUNIXSocketPair.openDatagram(AFSocketType.SOCK_SEQPACKET);
        return new SeqpacketLink[] {new SeqpacketLink(pair.getSocket1()), new SeqpacketLink(pair.getSocket2())};
    }

    int fdNumber() throws IOException {
        return NativeCalls.fdNumber(channel.getFileDescriptor());
    }

    /** Pid of the process that created the peer socket (SO_PEERCRED), or -1. */
    long peerPid() {
        try {
            return channel.getPeerCredentials().getPid();
        } catch (IOException ex) {
            return -1;
        }
    }

    /** Blocks for the next datagram; null at end of stream. */
    Datagram receive() throws IOException {
        buffer.clear();
        int n = channel.read(buffer);
        if (n < 0) {
            return null;
        }
        FileDescriptor[] fds = channel.getReceivedFileDescriptors();
        channel.clearReceivedFileDescriptors();
        return new Datagram(Arrays.copyOf(buffer.array(), n), fds == null ? new FileDescriptor[0] : fds);
    }

    /** Sends one datagram with its fds, then closes this process's copies of those fds. */
    void send(Datagram d) throws IOException {
        try {
            if (d.fds().length > 0) {
                channel.setOutboundFileDescriptors(d.fds());
            }
            channel.write(ByteBuffer.wrap(d.bytes()));
        } finally {
            for (FileDescriptor fd : d.fds()) {
                if (fd.valid()) {
                    NativeCalls.close(NativeCalls.fdNumber(fd));
                }
            }
        }
    }

    /** Signals end of stream to the peer (shutdown SHUT_WR). */
    void shutdownOutput() {
        try {
            NativeCalls.shutdownWrite(fdNumber());
        } catch (IOException ignored) {
            // already closed: nothing to signal
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
