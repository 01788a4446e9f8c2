package io.crifailover.shim.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves the Prometheus text format at {@code /metrics} with the JDK's built-in HTTP server, and JSON pages beside
 * it; every request must carry the {@link MetricsToken}, others get 401.
 */
public final class MetricsHttpServer implements AutoCloseable {

    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;
    private final MetricsToken token;

    private MetricsHttpServer(HttpServer server, ExecutorService executor, MetricsToken token) {
        this.server = server;
        this.executor = executor;
        this.token = token;
    }

    /** Binds {@code address} and starts serving {@code registry} to callers with {@code token}. */
    public static MetricsHttpServer start(
            InetSocketAddress address, PrometheusMeterRegistry registry, MetricsToken token) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "metrics-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        MetricsHttpServer metrics = new MetricsHttpServer(server, executor, token);
        server.createContext("/metrics", metrics.guarded(exchange -> serve(exchange, registry)));
        server.start();
        return metrics;
    }

    /** {@code handler} for callers with the token; 401 for the others. */
    private HttpHandler guarded(HttpHandler handler) {
        return exchange -> {
            if (token.admits(exchange.getRequestHeaders().getFirst("Authorization"))) {
                handler.handle(exchange);
                return;
            }
            try (exchange) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"cri-failover\"");
                exchange.sendResponseHeaders(401, -1);
            }
        };
    }

    /** Also serves {@code body()} as JSON at {@code path} (e.g. the failover status page). */
    public void addJsonPage(String path, java.util.function.Supplier<byte[]> body) {
        server.createContext(path, guarded(exchange -> {
            try (exchange) {
                byte[] bytes;
                try {
                    bytes = body.get();
                } catch (RuntimeException e) {
                    bytes = ("{\"error\":\"" + e.getMessage().replace("\"", "'") + "\"}")
                            .getBytes(StandardCharsets.UTF_8);
                }
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }));
    }

    /** The bound address (useful with port 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void serve(HttpExchange exchange, PrometheusMeterRegistry registry) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
