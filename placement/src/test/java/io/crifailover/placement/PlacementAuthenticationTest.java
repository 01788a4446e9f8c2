package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import bftsmart.reconfiguration.util.DefaultRSAKeyLoader;
import bftsmart.reconfiguration.util.TOMConfiguration;
import bftsmart.reconfiguration.views.MemoryBasedViewStorage;
import bftsmart.tom.ServiceProxy;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Authenticated placement with real replica processes and real sockets: an outsider that holds BFT-SMaRt's
 * built-in key pair (shipped in the public jar) and knows every port gets nothing accepted, a member cannot act as
 * another member, and replica ports listen on the cluster address only.
 */
@Tag("integration")
class PlacementAuthenticationTest {
    private static final List<String> AVX = List.of("avx", "sse");

    @Test
    void anOutsiderWithTheJarsKeysGetsNoSuspicionRegistrationOrDecisionAccepted() throws Exception {
        try (ReplicaCluster cluster = ReplicaCluster.start(4, 1);
                PlacementClient a = cluster.client();
                PlacementClient b = cluster.client();
                PlacementClient c = cluster.client()) {
            assertThat(a.registerNode("node-a", "x", "x86_64", AVX, 4).accepted())
                    .isTrue();
            assertThat(b.registerNode("node-b", "y", "x86_64", AVX, 4).accepted())
                    .isTrue();
            assertThat(c.registerNode("node-c", "z", "x86_64", AVX, 4).accepted())
                    .isTrue();
            assertThat(a.recordCheckpoint("ns/p/c", "sha256:1", 1, "node-a", AVX, List.of("node-b"))
                            .accepted())
                    .isTrue();

            Path outsiderConfig = outsiderConfig(cluster.configDir());
            // the client ids shims used to have (1000 + replica id) and a random one; plain commands as before
            for (int clientId : List.of(1000, 1001, 1002, 1003, 4242)) {
                ServiceProxy outsider = new ServiceProxy(
                        new TOMConfiguration(
                                clientId,
                                outsiderConfig.resolve("system.config").toString(),
                                outsiderConfig.resolve("hosts.config").toString()),
                        new MemoryBasedViewStorage(),
                        null,
                        null);
                outsider.setInvokeTimeout(10);
                try {
                    for (Command forged : List.of(
                            new Command.Suspect("node-b", "node-a", 1),
                            new Command.Suspect("node-c", "node-a", 1),
                            new Command.RegisterNode("evil", "e", "x86_64", AVX, 100),
                            new Command.Heartbeat("node-a"),
                            new Command.AckRestore("ns/p/c", 1, "node-b"),
                            new Command.ForgetContainer("ns/p/c", "node-a"))) {
                        assertRefused(outsider.invokeOrdered(CommandCodec.encode(forged)), "malformed signed request");
                        // signed with the jar's private key, claiming to be member 1
                        byte[] signed = signWithJarKey(1, System.currentTimeMillis() * 1000, forged);
                        assertRefused(outsider.invokeOrdered(signed), "bad signature for member 1");
                    }
                } finally {
                    outsider.close();
                }
            }

            assertThat(a.nodes()).extracting(NodeInfo::name).containsExactly("node-a", "node-b", "node-c");
            assertThat(a.nodes()).allMatch(n -> n.status() == NodeStatus.LIVE && n.epoch() == 1);
            Result.SuspectOutcome first = b.suspect("node-b", "node-a", 1);
            assertThat(first.votes()).as("no forged vote was counted").isEqualTo(1);
            assertThat(first.status()).isEqualTo(NodeStatus.LIVE);
            assertThat(c.suspect("node-c", "node-a", 1).status())
                    .as("two real members are f+1")
                    .isEqualTo(NodeStatus.FAILED);
            assertThat(a.decisions("")).hasSize(1);
            assertIdenticalDigests(cluster);
        }
    }

    @Test
    void aMemberCannotVoteAsAnotherMemberOrAsAnExtraNode() throws Exception {
        try (ReplicaCluster cluster = ReplicaCluster.start(4, 1);
                PlacementClient a = cluster.client();
                PlacementClient b = cluster.client();
                PlacementClient liar = cluster.client()) {
            a.registerNode("node-a", "x", "x86_64", AVX, 4);
            b.registerNode("node-b", "y", "x86_64", AVX, 4);
            liar.registerNode("liar", "z", "x86_64", AVX, 4);

            assertThat(liar.suspect("node-b", "node-a", 1).accepted())
                    .as("liar names another reporter")
                    .isFalse();
            assertThat(liar.registerNode("ghost", "g", "x86_64", AVX, 4).detail())
                    .as("a second node for the same key")
                    .contains("one node per member");
            assertThat(liar.suspect("ghost", "node-a", 1).accepted()).isFalse();

            // the liar's key, but claiming member 1 (node-b) in the request
            ServiceProxy raw = new ServiceProxy(
                    BftConfigs.load(777_777, cluster.configDir(), TestKeys.key(2)),
                    new MemoryBasedViewStorage(),
                    null,
                    null);
            try {
                byte[] forged = SignedRequest.encode(
                        1,
                        System.currentTimeMillis() * 1000 + 1_000_000_000L,
                        CommandCodec.encode(new Command.Suspect("node-b", "node-a", 1)),
                        TestKeys.key(2));
                assertRefused(raw.invokeOrdered(forged), "bad signature for member 1");
            } finally {
                raw.close();
            }

            Result.SuspectOutcome own = liar.suspect("liar", "node-a", 1);
            assertThat(own.accepted()).isTrue();
            assertThat(own.votes()).as("the liar's one vote").isEqualTo(1);
            assertThat(own.status()).isEqualTo(NodeStatus.LIVE);
            assertIdenticalDigests(cluster);
        }
    }

    @Test
    void replicaPortsListenOnTheClusterAddressOnlyAndRefuseAnImpostorReplica() throws Exception {
        try (ReplicaCluster cluster = ReplicaCluster.start(4, 1);
                PlacementClient a = cluster.client()) {
            ClusterMember zero = cluster.config().members().get(0);
            for (int port : List.of(zero.port(), zero.port() + 1)) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                }
                assertThatThrownBy(() -> {
                            try (Socket s = new Socket()) {
                                s.connect(new InetSocketAddress("127.0.0.2", port), 2000);
                            }
                        })
                        .as("port %d on another local address", port)
                        .isInstanceOf(ConnectException.class);
            }

            // an impostor of replica 3 with the jar's key: refused before BFT-SMaRt sees the connection
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", zero.port() + 1), 2000);
                s.setSoTimeout(10_000);
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                byte[] dh = new java.math.BigInteger("123456789").toByteArray();
                byte[] signature = sha1Rsa(new DefaultRSAKeyLoader().loadPrivateKey(3), dh);
                out.writeInt(3);
                out.writeInt(dh.length);
                out.write(dh);
                out.writeInt(signature.length);
                out.write(signature);
                out.flush();
                assertThat(readUntilClosed(s.getInputStream()))
                        .as("bytes the replica sent before closing")
                        .isZero();
            }
            // the replica logs before it closes; its output reaches the log file through a pipe
            Awaitility.await("replica 0 logs the refusal")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> cluster.log(0).contains("refused a replica connection"));
            assertThat(a.registerNode("node-a", "x", "x86_64", AVX, 4).accepted())
                    .as("the cluster still orders")
                    .isTrue();
        }
    }

    private static int readUntilClosed(InputStream in) throws IOException {
        int n = 0;
        try {
            while (in.read() >= 0) {
                n++;
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the replica kept the impostor's connection open", e);
        } catch (IOException reset) {
            // closed with a reset: also refused
        }
        return n;
    }

    private static void assertRefused(byte[] reply, String why) {
        assertThat(reply).as("a quorum answered").isNotNull();
        assertThatThrownBy(() -> ResultCodec.decode(reply))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("replicas rejected the request")
                .hasMessageContaining(why);
    }

    private static void assertIdenticalDigests(ReplicaCluster cluster) {
        cluster.awaitIdenticalDigests(
                java.util.stream.IntStream.range(0, cluster.size()).boxed().toList());
    }

    /** The cluster's hosts and settings, but asking for the library's built-in keys. */
    private static Path outsiderConfig(Path clusterDir) throws IOException {
        Path dir = Files.createTempDirectory("placement-outsider-");
        Files.copy(clusterDir.resolve("hosts.config"), dir.resolve("hosts.config"));
        Files.writeString(
                dir.resolve("system.config"),
                Files.readString(clusterDir.resolve("system.config"))
                        .replace("defaultkeys = false", "defaultkeys = true"));
        dir.toFile().deleteOnExit();
        dir.resolve("hosts.config").toFile().deleteOnExit();
        dir.resolve("system.config").toFile().deleteOnExit();
        return dir;
    }

    private static byte[] signWithJarKey(int member, long number, Command command) throws Exception {
        byte[] body = CommandCodec.encode(command);
        PrivateKey jarKey = new DefaultRSAKeyLoader().loadPrivateKey(member);
        Signature rsa = Signature.getInstance(NodeKey.SIGNATURE_ALGORITHM);
        rsa.initSign(jarKey);
        rsa.update(new WireOutput()
                .bytes("cri-failover placement request v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .i32(member)
                .i64(number)
                .bytes(body)
                .toByteArray());
        return new WireOutput()
                .tag(1)
                .i32(member)
                .i64(number)
                .bytes(body)
                .bytes(rsa.sign())
                .toByteArray();
    }

    private static byte[] sha1Rsa(PrivateKey key, byte[] data) throws Exception {
        Signature rsa = Signature.getInstance("SHA1withRSA");
        rsa.initSign(key);
        rsa.update(data);
        return rsa.sign();
    }
}
