package io.crifailover.sniffer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** Reads the debug socket's JSON lines; used by {@code sniff tail} and by the shim to relay the stream. */
public final class DebugClient {

    private DebugClient() {}

    /**
     * Connects and hands every line to {@code handler} until it returns false or the server
     * closes the connection. A refusal arrives as a line with an "error" field.
     */
    public static void stream(Path socket, Predicate<String> handler) throws IOException {
        try (AFUNIXSocket s = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(socket));
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!handler.test(line)) {
                    return;
                }
            }
        }
    }
}
