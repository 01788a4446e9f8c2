package io.crifailover.placement;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Member keys for tests: one generated key pair per member id, kept for the test JVM. */
final class TestKeys {
    private static final Map<Integer, NodeKey> KEYS = new ConcurrentHashMap<>();

    private TestKeys() {}

    static NodeKey key(int id) {
        return KEYS.computeIfAbsent(id, i -> NodeKey.generate());
    }

    /** A member that binds the first node name it registers. */
    static ClusterMember member(int id, String host, int port) {
        return new ClusterMember(id, host, port, key(id).publicKeyText());
    }

    /** Writes the configuration and every member's private key into {@code dir} (a test shares one directory). */
    static void writeWithAllPrivateKeys(Path dir, ClusterConfig config) throws IOException {
        ClusterConfigWriter.write(dir, config);
        for (ClusterMember m : config.members()) {
            ClusterConfigWriter.writePrivateKey(dir, config, m.id(), key(m.id()));
        }
    }
}
