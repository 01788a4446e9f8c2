package io.crifailover.testbed;

import io.crifailover.testsupport.HttpText;
import io.crifailover.testsupport.RedisClient;
import io.crifailover.testsupport.TestImages;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The protected test apps as their users reach them: over TCP at the pod's address. Each {@link App}
 * makes clients; a client sends one request at a time and returns a number that grows with the
 * app's state, which is how the failover runs measure state lost.
 */
public final class TcpApps {
    private TcpApps() {}

    /** A protected app: its image, how to talk to it, what one unit of its state is worth. */
    public interface App {
        /** The image the pod runs. */
        String image();

        /** A new client with its own connections. */
        Client client();

        /** How many ms of the app's work one unit of its value stands for, judged from the samples before the fault. */
        long unitMs(List<FailoverScenario.Sample> before);

        /** One line for reports: what the app is and what the client sends. */
        String description();
    }

    /** One user of the app. */
    public interface Client extends AutoCloseable {
        /** One request to the app at {@code ip}, answered within {@code deadline}, or an exception. */
        long request(String ip, Duration deadline) throws IOException;

        @Override
        void close();
    }

    /** The counter: the app adds one every 100 ms; the client reads {@code GET /count} from busybox httpd. */
    public static App counter() {
        return new App() {
            @Override
            public String image() {
                return TestImages.shared().counterImage();
            }

            @Override
            public Client client() {
                return new HttpGet("/count");
            }

            @Override
            public long unitMs(List<FailoverScenario.Sample> before) {
                return 100;
            }

            @Override
            public String description() {
                return "counter (busybox sh, +1 every 100 ms) served by busybox httpd on TCP " + TestImages.HTTP_PORT
                        + "; client sends GET /count";
            }
        };
    }

    /** The visits app: each {@code GET /cgi-bin/visits} adds one visit and answers the count. */
    public static App visits() {
        return new App() {
            @Override
            public String image() {
                return TestImages.shared().visitsImage();
            }

            @Override
            public Client client() {
                return new HttpGet("/cgi-bin/visits");
            }

            @Override
            public long unitMs(List<FailoverScenario.Sample> before) {
                return requestSpacingMs(before);
            }

            @Override
            public String description() {
                return "visits (busybox httpd CGI on TCP " + TestImages.HTTP_PORT
                        + ", count in the container's writable layer); client sends GET /cgi-bin/visits, each adds one";
            }
        };
    }

    /** Redis: every request is {@code INCR tick} on one kept-open connection, so a unit is one request. */
    public static App redisIncr() {
        return new App() {
            @Override
            public String image() {
                return TestImages.shared().redisImage();
            }

            @Override
            public Client client() {
                return new RedisIncr();
            }

            @Override
            public long unitMs(List<FailoverScenario.Sample> before) {
                return requestSpacingMs(before);
            }

            @Override
            public String description() {
                return "redis-server 7 on TCP " + TestImages.REDIS_PORT
                        + "; client sends INCR tick on a kept-open connection";
            }
        };
    }

    /** The mean time between good requests before the fault: what one request-driven unit of state is worth. */
    static long requestSpacingMs(List<FailoverScenario.Sample> before) {
        List<FailoverScenario.Sample> ok =
                before.stream().filter(FailoverScenario.Sample::ok).toList();
        if (ok.size() < 2) {
            return FailoverScenario.CLIENT_PERIOD.toMillis();
        }
        return Math.max(1, (ok.get(ok.size() - 1).atMs() - ok.get(0).atMs()) / (ok.size() - 1));
    }

    /** A number read with one HTTP GET on a fresh connection (busybox httpd closes after each answer). */
    private record HttpGet(String path) implements Client {
        @Override
        public long request(String ip, Duration deadline) throws IOException {
            String body = HttpText.get(new InetSocketAddress(ip, TestImages.HTTP_PORT), path, deadline);
            try {
                return Long.parseLong(body.trim());
            } catch (NumberFormatException e) {
                throw new IOException("not a number from " + ip + path + ": " + body);
            }
        }

        @Override
        public void close() {}
    }

    /** INCR on a connection kept open like a client library's; a new one after an error or a new address. */
    private static final class RedisIncr implements Client {
        private RedisClient connection;
        private String connectedTo;

        @Override
        public long request(String ip, Duration deadline) throws IOException {
            long end = System.nanoTime() + deadline.toNanos();
            if (connection == null || !ip.equals(connectedTo)) {
                close();
                connection = RedisClient.connect(new InetSocketAddress(ip, TestImages.REDIS_PORT), deadline);
                connectedTo = ip;
            }
            try {
                return connection.callLong(Duration.ofNanos(Math.max(1, end - System.nanoTime())), "INCR", "tick");
            } catch (IOException e) {
                close();
                throw e;
            }
        }

        @Override
        public void close() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (IOException e) {
                    // a broken connection is being dropped anyway
                }
                connection = null;
                connectedTo = null;
            }
        }
    }
}
