package io.crifailover.store;

import io.crifailover.oci.SecureFiles;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code store}: serve, list, garbage-collect and replicate a checkpoint store. */
@Command(
        name = "store",
        mixinStandardHelpOptions = true,
        description = "Checkpoint store: serve, ls, gc, push-to-peer.",
        subcommands = {
            StoreCommand.Serve.class,
            StoreCommand.Ls.class,
            StoreCommand.Gc.class,
            StoreCommand.PushToPeer.class
        })
public final class StoreCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options shared by every subcommand. */
    static class RootOption {
        @Option(names = "--root", required = true, description = "store root directory")
        Path root;
    }

    private static FileLock lockRoot(Path root) throws java.io.IOException {
        SecureFiles.ensurePrivateDirectory(root);
        FileChannel ch = FileChannel.open(root.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.tryLock();
        if (lock == null) {
            ch.close();
            throw new IllegalStateException("store " + root + " is in use by another process (store serve?)");
        }
        return lock;
    }

    @Command(
            name = "serve",
            mixinStandardHelpOptions = true,
            description = "Serve the OCI distribution API and peer replication.")
    static final class Serve extends RootOption implements Callable<Integer> {
        @Option(
                names = "--listen",
                defaultValue = "127.0.0.1:5000",
                split = ",",
                description = "host:port to listen on (repeatable; port 0 = any free port)")
        List<String> listen;

        @Option(names = "--cluster-key", description = "file with the base64 per-cluster HMAC key (mode 0600)")
        Path clusterKey;

        @Option(names = "--credentials", description = "file with user:password lines for Basic auth (mode 0600)")
        Path credentials;

        @Option(names = "--gc-interval", defaultValue = "PT10M", description = "ISO-8601 duration between GC runs")
        Duration gcInterval;

        @Option(
                names = "--gc-grace",
                defaultValue = "PT10M",
                description = "unreferenced blobs younger than this are kept")
        Duration gcGrace;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            FileLock lock = lockRoot(root);
            CheckpointStore store = CheckpointStore.open(root);
            AccessPolicy policy = new AccessPolicy(
                    clusterKey == null ? null : ClusterKey.load(clusterKey),
                    credentials == null ? Map.of() : AccessPolicy.loadUsers(credentials));
            List<InetSocketAddress> addrs = new ArrayList<>();
            for (String l : listen) {
                int i = l.lastIndexOf(':');
                addrs.add(new InetSocketAddress(
                        InetAddress.getByName(l.substring(0, i).replaceAll("[\\[\\]]", "")),
                        Integer.parseInt(l.substring(i + 1))));
            }
            ScheduledExecutorService gc = Executors.newSingleThreadScheduledExecutor();
            CountDownLatch stop = new CountDownLatch(1);
            try (StoreServer server = StoreServer.start(store, policy, addrs)) {
                gc.scheduleWithFixedDelay(
                        () -> {
                            try {
                                store.gc(gcGrace);
                            } catch (Exception e) {
                                org.slf4j.LoggerFactory.getLogger(Serve.class).warn("periodic gc failed", e);
                            }
                        },
                        gcInterval.toMillis(),
                        gcInterval.toMillis(),
                        TimeUnit.MILLISECONDS);
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                PrintWriter out = spec.commandLine().getOut();
                for (InetSocketAddress a : server.addresses()) {
                    out.println("listening on " + a.getAddress().getHostAddress() + ":" + a.getPort());
                }
                out.flush();
                stop.await();
            } finally {
                gc.shutdownNow();
                lock.release();
                lock.channel().close();
            }
            return 0;
        }
    }

    @Command(
            name = "ls",
            mixinStandardHelpOptions = true,
            description = "List repositories, tags and checkpoint histories.")
    static final class Ls extends RootOption implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            CheckpointStore store = CheckpointStore.open(root);
            PrintWriter out = spec.commandLine().getOut();
            for (String repo : store.repositoryNames()) {
                for (String tag : store.tags(repo)) {
                    out.println(repo + ":" + tag + "\t"
                            + store.manifest(repo, tag)
                                    .map(m -> m.digest().toString())
                                    .orElse("?"));
                }
            }
            for (String c : store.containers()) {
                for (CheckpointRecord r : store.history(c)) {
                    out.println("container " + c + "\t#" + r.sequence() + "\t" + r.reference() + "\t" + r.digest());
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(
            name = "gc",
            mixinStandardHelpOptions = true,
            description = "Apply retention and delete unreferenced blobs (store must not be served).")
    static final class Gc extends RootOption implements Callable<Integer> {
        @Option(names = "--keep", description = "keep this many newest checkpoints per container")
        Integer keep;

        @Option(names = "--grace", defaultValue = "PT10M", description = "keep unreferenced blobs younger than this")
        Duration grace;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            FileLock lock = lockRoot(root);
            try {
                CheckpointStore store = CheckpointStore.open(root);
                PrintWriter out = spec.commandLine().getOut();
                if (keep != null) {
                    for (String c : store.containers()) {
                        for (CheckpointRecord r : store.retain(c, keep)) {
                            out.println("dropped " + c + " #" + r.sequence() + " " + r.reference());
                        }
                    }
                }
                GcReport report = store.gc(grace);
                out.println("deleted " + report.deletedBlobs().size() + " blobs (" + report.deletedBytes()
                        + " bytes), kept " + report.keptBlobs());
                out.flush();
            } finally {
                lock.release();
                lock.channel().close();
            }
            return 0;
        }
    }

    @Command(
            name = "push-to-peer",
            mixinStandardHelpOptions = true,
            description = "Replicate an image to a peer store.")
    static final class PushToPeer extends RootOption implements Callable<Integer> {
        @Option(names = "--peer", required = true, description = "peer store URL, e.g. http://10.0.0.2:5000")
        String peer;

        @Option(names = "--cluster-key", required = true, description = "file with the base64 per-cluster HMAC key")
        Path clusterKey;

        @Option(names = "--node", defaultValue = "${env:HOSTNAME:-local}", description = "this node's name")
        String node;

        @Option(names = "--container", description = "also append to this container's history on the peer")
        String container;

        @Option(names = "--sequence", defaultValue = "-1", description = "checkpoint sequence number (-1 = next)")
        long sequence;

        @Parameters(index = "0", description = "repository:tag")
        String image;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            int i = image.lastIndexOf(':');
            if (i <= 0) {
                throw new IllegalArgumentException("image must be repository:tag, got '" + image + "'");
            }
            CheckpointStore store = CheckpointStore.open(root);
            PeerClient client = new PeerClient(peer, new HmacSigner(ClusterKey.load(clusterKey), node));
            ReplicationReport r = new Replicator(store)
                    .push(client, image.substring(0, i), image.substring(i + 1), container, sequence);
            spec.commandLine()
                    .getOut()
                    .printf(
                            "replicated %s: %d blobs, logical %d bytes, sent %d bytes, dedup %.2f, %d ms%n",
                            r.image(),
                            r.blobs(),
                            r.logicalBytes(),
                            r.wireBytes(),
                            r.dedupRatio(),
                            r.nanos() / 1_000_000);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
