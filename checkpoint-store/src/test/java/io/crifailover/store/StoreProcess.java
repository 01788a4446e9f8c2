package io.crifailover.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@code store serve} in its own JVM (so a test can kill -9 it), listening on a free loopback port. */
final class StoreProcess implements AutoCloseable {
    private final Process process;
    final String url;

    private StoreProcess(Process process, String url) {
        this.process = process;
        this.url = url;
    }

    static StoreProcess start(Path root, Path clusterKey, Path credentials, Path log) throws Exception {
        List<String> cmd = Processes.javaCommand(
                StoreMain.class.getName(),
                "serve",
                "--root",
                root.toString(),
                "--listen",
                "127.0.0.1:0",
                "--cluster-key",
                clusterKey.toString(),
                "--credentials",
                credentials.toString(),
                "--gc-interval",
                "PT1H");
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = new CompletableFuture<>();
        Thread drain = new Thread(
                () -> {
                    try (var logOut =
                            java.nio.file.Files.newBufferedWriter(log.resolveSibling(log.getFileName() + ".out"))) {
                        String l;
                        while ((l = out.readLine()) != null) {
                            if (l.startsWith("listening on ")) {
                                line.complete(l);
                            }
                            logOut.write(l);
                            logOut.newLine();
                        }
                    } catch (IOException ignored) {
                        // process gone
                    }
                    line.complete(null);
                },
                "store-process-output");
        drain.setDaemon(true);
        drain.start();
        try {
            String l = line.get(60, TimeUnit.SECONDS);
            if (l == null || !l.startsWith("listening on ")) {
                throw new IOException("store process did not start: " + l);
            }
            return new StoreProcess(
                    p, "http://" + l.substring("listening on ".length()).trim());
        } catch (Exception e) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** SIGKILL, no shutdown hooks. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill9();
        }
    }
}
