package io.crifailover.placement;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@code hosts.config} and {@code system.config} the way BFT-SMaRt reads them, every member's public key
 * ({@code keys/publickey<id>}) and node name ({@code nodes}), into a private directory (0700, files 0600, each
 * written to a temporary file, fsynced and renamed). The library's built-in keys are never used
 * ({@code defaultkeys = false}). BFT-SMaRt persists the view it last
 * ran with and prefers it over hosts.config; when the membership changes the stored view is deleted.
 */
public final class ClusterConfigWriter {
    /** View file of {@code FileSystemViewStorage}, which the replica uses with this directory. */
    public static final String VIEW_FILE = "current.view";
    /** View file of BFT-SMaRt's default storage (written under the working directory's {@code config/}). */
    public static final String DEFAULT_VIEW_FILE = "currentView";

    static final String MEMBERSHIP_FILE = "membership";
    /**
     * {@code highMark}: a replica that sees a consensus decided this far past its own last executed one fetches the
     * state (BFT-SMaRt's default 10000). A replica cut off for a few seconds comes back with a consensus it had
     * started and the others decided without it; it waits for that one forever and only buffers later ones until
     * it is this far behind (at ~50 consensus/s: 3 minutes with 10000, 2 s with 100). See the README, "Stuck
     * behind after a cut-off".
     */
    static final int CATCH_UP_LAG = 100;

    private static final Logger LOG = LoggerFactory.getLogger(ClusterConfigWriter.class);

    private ClusterConfigWriter() {}

    /** Writes the configuration; returns true when the membership changed and a stored view was cleared. */
    public static boolean write(Path dir, ClusterConfig config) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        String membership = membership(config);
        Path membershipFile = dir.resolve(MEMBERSHIP_FILE);
        boolean changed = Files.exists(membershipFile)
                && !Files.readString(membershipFile, StandardCharsets.UTF_8).equals(membership);
        boolean cleared = false;
        if (changed || !Files.exists(membershipFile)) {
            cleared |= Files.deleteIfExists(dir.resolve(VIEW_FILE));
            cleared |= Files.deleteIfExists(dir.resolve(DEFAULT_VIEW_FILE));
            if (cleared) {
                LOG.info("membership in {} changed; cleared the stored BFT-SMaRt view", dir);
            }
        }
        Path keys = dir.resolve(MemberKeys.KEYS_DIR);
        Files.createDirectories(keys);
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rwx------"));
        for (ClusterMember m : config.members()) {
            writeAtomically(
                    keys.resolve(MemberKeys.PUBLIC_KEY_FILE + m.id()),
                    m.publicKey().strip() + "\n");
        }
        writeAtomically(dir.resolve(MemberKeys.NODES_FILE), nodes(config));
        writeAtomically(dir.resolve("hosts.config"), hosts(config));
        writeAtomically(dir.resolve("system.config"), system(config));
        writeAtomically(membershipFile, membership);
        return cleared;
    }

    static String hosts(ClusterConfig config) {
        return "# id host port (replica-to-replica port is port+1)\n"
                + config.members().stream()
                        .map(m -> m.id() + " " + m.host() + " " + m.port())
                        .collect(Collectors.joining("\n", "", "\n"));
    }

    /**
     * Puts this node's private key where its replica and client read it: {@code keys/privatekey<id>} (0600) in
     * {@code dir}. {@code id} must be a member whose public key is {@code key}'s.
     */
    public static void writePrivateKey(Path dir, ClusterConfig config, int id, NodeKey key) throws IOException {
        ClusterMember self = config.members().stream()
                .filter(m -> m.id() == id)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("replica " + id + " is not a member"));
        if (!NodeKey.parsePublicKey(self.publicKey()).equals(key.publicKey())) {
            throw new IllegalArgumentException("the cluster settings give replica " + id
                    + " another public key than this node's; this node's public key is " + key.publicKeyText());
        }
        Path keys = dir.resolve(MemberKeys.KEYS_DIR);
        Files.createDirectories(keys);
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rwx------"));
        writeAtomically(keys.resolve(MemberKeys.PRIVATE_KEY_FILE + id), key.privateKeyText() + "\n");
    }

    static String nodes(ClusterConfig config) {
        return "# id node (a member acts only for its node; '-': the first name it registers)\n"
                + config.members().stream()
                        .map(m -> m.id() + " " + (m.node() == null ? "-" : m.node()))
                        .collect(Collectors.joining("\n", "", "\n"));
    }

    static String system(ClusterConfig config) {
        List<String> lines = List.of(
                "system.servers.num = " + config.members().size(),
                "system.servers.f = " + config.f(),
                "system.initial.view = "
                        + config.members().stream()
                                .map(m -> String.valueOf(m.id()))
                                .collect(Collectors.joining(",")),
                "system.bft = true",
                "system.totalordermulticast.timeout = "
                        + config.requestTimeout().toMillis(),
                "system.totalordermulticast.maxbatchsize = 400",
                "system.totalordermulticast.nonces = 10",
                "system.totalordermulticast.highMark = " + CATCH_UP_LAG,
                "system.totalordermulticast.revival_highMark = 10",
                "system.totalordermulticast.timeout_highMark = 200",
                "system.totalordermulticast.state_transfer = true",
                "system.totalordermulticast.log = true",
                "system.totalordermulticast.log_parallel = false",
                "system.totalordermulticast.log_to_disk = false",
                "system.totalordermulticast.sync_log = false",
                "system.totalordermulticast.checkpoint_period = 1000",
                "system.totalordermulticast.global_checkpoint_period = 120000",
                "system.totalordermulticast.checkpoint_to_disk = false",
                "system.totalordermulticast.sync_ckp = false",
                "system.communication.useSignatures = 0",
                "system.communication.useMACs = 1",
                "system.communication.useSenderThread = true",
                "system.communication.defaultkeys = false",
                "system.communication.inQueueSize = 500000",
                "system.communication.outQueueSize = 500000",
                "system.communication.useControlFlow = 0",
                "system.shutdownhook = true",
                "system.debug = 0");
        return "# written by cri-failover placement; do not edit\n" + String.join("\n", lines) + "\n";
    }

    static String membership(ClusterConfig config) {
        return "f=" + config.f() + "\n" + hosts(config);
    }

    /** Writes {@code content} to {@code target}: a 0600 temp file, fsynced, renamed into place; never half-written. */
    static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = Files.createTempFile(
                target.getParent(),
                "." + target.getFileName(),
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel channel =
                    FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
                channel.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
