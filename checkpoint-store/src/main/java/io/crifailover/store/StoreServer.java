package io.crifailover.store;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's HTTP endpoint (JDK {@code com.sun.net.httpserver}): the OCI distribution API under {@code /v2/}
 * and peer replication under {@code /replication/v1/}, on one or more listen addresses.
 */
public final class StoreServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StoreServer.class);
    private final List<HttpServer> servers = new ArrayList<>();
    private final List<TlsRejectingFront> fronts = new ArrayList<>();
    private final List<InetSocketAddress> publicAddresses = new ArrayList<>();
    private final ExecutorService executor;

    private StoreServer(ExecutorService executor) {
        this.executor = executor;
    }

    /** Starts serving {@code store} on every address (port 0 picks a free port). */
    public static StoreServer start(CheckpointStore store, AccessPolicy policy, List<InetSocketAddress> addresses)
            throws IOException {
        // core == max: with an unbounded queue a pool never grows beyond its core size
        ThreadPoolExecutor pool =
                new ThreadPoolExecutor(16, 16, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "store-http");
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        StoreServer s = new StoreServer(pool);
        try {
            RegistryHandler registry =
                    new RegistryHandler(store, new UploadSessions(store.root(), store.blobs()), policy);
            ReplicationHandler replication = new ReplicationHandler(store, new ReplicationReceiver(store), policy);
            for (InetSocketAddress a : addresses) {
                // the runtime pulls over loopback and probes TLS first: answer it at once (see TlsRejectingFront)
                boolean loopback = a.getAddress() != null && a.getAddress().isLoopbackAddress();
                HttpServer http = HttpServer.create(loopback ? new InetSocketAddress(a.getAddress(), 0) : a, 128);
                http.createContext("/v2", registry);
                http.createContext(ReplicationHandler.PREFIX, replication);
                http.setExecutor(pool);
                http.start();
                s.servers.add(http);
                InetSocketAddress published = http.getAddress();
                if (loopback) {
                    TlsRejectingFront front = TlsRejectingFront.start(a, http.getAddress());
                    s.fronts.add(front);
                    published = front.address();
                }
                s.publicAddresses.add(published);
                log.info("checkpoint store serving {} on {}", store.root(), published);
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    public List<InetSocketAddress> addresses() {
        return List.copyOf(publicAddresses);
    }

    /** The first listen address as {@code http://host:port}. */
    public String url() {
        InetSocketAddress a = addresses().get(0);
        return "http://" + a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    @Override
    public void close() {
        fronts.forEach(TlsRejectingFront::close);
        for (HttpServer s : servers) {
            s.stop(0);
        }
        executor.shutdownNow();
    }
}
