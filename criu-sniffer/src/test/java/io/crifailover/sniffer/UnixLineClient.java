package io.crifailover.sniffer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * JDK-only client used by a test as an unprivileged user: prints the first line the debug
 * socket sends, or "connect failed: …".
 */
public final class UnixLineClient {
    private UnixLineClient() {}

    public static void main(String[] args) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(Path.of(args[0])));
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            System.out.println(in.readLine());
        } catch (java.io.IOException ex) {
            System.out.println("connect failed: " + ex.getMessage());
        }
    }
}
