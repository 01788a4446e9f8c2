package io.crifailover.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;

/** A real OCI registry (Debian's {@code docker-registry}) on a free port. */
public final class LocalRegistry implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final Process process;

    private LocalRegistry(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /**
     * Starts a registry on a free port of every local address: the host reaches it as
     * {@code 127.0.0.1:PORT}, and nodes in network namespaces reach the same reference through
     * {@link NetworkNamespace#forwardLoopbackPort}. Nothing outside this machine is ever contacted.
     */
    public static LocalRegistry start() {
        try {
            Path dir = Files.createTempDirectory("crif-registry");
            int port = Ports.freeLoopbackPort();
            Path config = dir.resolve("config.yml");
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "version: 0.1",
                            "log:",
                            "  level: warn",
                            "storage:",
                            "  filesystem:",
                            "    rootdirectory: " + dir.resolve("data"),
                            "  delete:",
                            "    enabled: true",
                            "http:",
                            "  addr: 0.0.0.0:" + port,
                            ""));
            Process p = new ProcessBuilder("docker-registry", "serve", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("registry.log").toFile())
                    .start();
            LocalRegistry registry = new LocalRegistry(dir, port, p);
            HttpClient http = HttpClient.newHttpClient();
            Awaitility.await("registry on port " + port)
                    .atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(50))
                    .ignoreExceptions()
                    .until(() -> {
                        if (!p.isAlive()) {
                            throw new IllegalStateException(
                                    "docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
                        }
                        return http.send(
                                                HttpRequest.newBuilder(URI.create(registry.url() + "/v2/"))
                                                        .build(),
                                                HttpResponse.BodyHandlers.discarding())
                                        .statusCode()
                                == 200;
                    });
            return registry;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start docker-registry (install it: bin/setup)", e);
        }
    }

    /** {@code 127.0.0.1:PORT}, the host part of image references. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://" + hostPort();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files2.deleteTree(dir);
    }
}
