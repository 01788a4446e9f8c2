package io.crifailover.placement;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The members' public keys and node names, read from a directory written by {@link ClusterConfigWriter}: who may
 * sign placement requests, for which node, and which key each replica must prove in its handshake.
 */
public final class MemberKeys {
    static final String KEYS_DIR = "keys";
    static final String PUBLIC_KEY_FILE = "publickey";
    static final String PRIVATE_KEY_FILE = "privatekey";
    static final String NODES_FILE = "nodes";

    private final Map<Integer, PublicKey> keys;
    private final Map<Integer, String> nodes;

    MemberKeys(Map<Integer, PublicKey> keys, Map<Integer, String> nodes) {
        this.keys = Collections.unmodifiableMap(new TreeMap<>(keys));
        this.nodes = Collections.unmodifiableMap(new TreeMap<>(nodes));
    }

    /** Reads the public keys and node names of every member listed in {@code dir/nodes}. */
    public static MemberKeys load(Path dir) {
        try {
            Map<Integer, PublicKey> keys = new TreeMap<>();
            Map<Integer, String> nodes = new TreeMap<>();
            for (String line : Files.readAllLines(dir.resolve(NODES_FILE), StandardCharsets.UTF_8)) {
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                String[] parts = trimmed.split("\\s+");
                int id = Integer.parseInt(parts[0]);
                Path keyFile = dir.resolve(KEYS_DIR).resolve(PUBLIC_KEY_FILE + id);
                keys.put(id, NodeKey.parsePublicKey(Files.readString(keyFile, StandardCharsets.US_ASCII)));
                if (parts.length > 1 && !parts[1].equals("-")) {
                    nodes.put(id, parts[1]);
                }
            }
            return new MemberKeys(keys, nodes);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no member keys in " + dir + " (missing " + e.getFile() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading member keys in " + dir, e);
        }
    }

    /** This member's private key, {@code dir/keys/privatekey<id>}. */
    static NodeKey privateKey(Path dir, int id) {
        Path file = dir.resolve(KEYS_DIR).resolve(PRIVATE_KEY_FILE + id);
        try {
            return NodeKey.load(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no private key of member " + id + " in " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The public key of member {@code id}, empty for a stranger. */
    public Optional<PublicKey> key(int id) {
        return Optional.ofNullable(keys.get(id));
    }

    /** The node member {@code id} acts for, empty when it binds the first name it registers. */
    public Optional<String> node(int id) {
        return Optional.ofNullable(nodes.get(id));
    }

    /** Member ids. */
    public java.util.Set<Integer> ids() {
        return keys.keySet();
    }
}
