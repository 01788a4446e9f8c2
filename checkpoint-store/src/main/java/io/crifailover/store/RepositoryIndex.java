package io.crifailover.store;

import io.crifailover.oci.Digest;
import io.crifailover.oci.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Repositories on disk: {@code repositories/<name>/_tags/<tag>} holds a manifest digest,
 * {@code repositories/<name>/_manifests/<hex>} records that the manifest belongs to the repository and its
 * media type. Every file is replaced atomically.
 */
final class RepositoryIndex {
    private static final String TAGS = "_tags";
    private static final String MANIFESTS = "_manifests";
    private final Path root;

    RepositoryIndex(Path storeRoot) throws IOException {
        this.root = SecureFiles.ensurePrivateDirectory(storeRoot.resolve("repositories"));
    }

    private Path repoDir(String repo) {
        return root.resolve(Names.repository(repo));
    }

    void addManifest(String repo, Digest digest, String mediaType) throws IOException {
        Path dir = SecureFiles.ensurePrivateDirectory(repoDir(repo).resolve(MANIFESTS));
        SecureFiles.writeAtomically(dir.resolve(digest.hex()), mediaType.getBytes(StandardCharsets.UTF_8));
    }

    Optional<String> manifestType(String repo, Digest digest) throws IOException {
        try {
            return Optional.of(Files.readString(repoDir(repo).resolve(MANIFESTS).resolve(digest.hex())));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    void tag(String repo, String tag, Digest digest) throws IOException {
        Path dir = SecureFiles.ensurePrivateDirectory(repoDir(repo).resolve(TAGS));
        SecureFiles.writeAtomically(
                dir.resolve(Names.tag(tag)), digest.toString().getBytes(StandardCharsets.UTF_8));
    }

    Optional<Digest> resolveTag(String repo, String tag) throws IOException {
        try {
            return Optional.of(
                    Digest.parse(Files.readString(repoDir(repo).resolve(TAGS).resolve(Names.tag(tag)))
                            .trim()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Removes the tag if it still points to {@code digest}. */
    boolean untag(String repo, String tag, Digest digest) throws IOException {
        Path file = repoDir(repo).resolve(TAGS).resolve(Names.tag(tag));
        Optional<Digest> current = resolveTag(repo, tag);
        if (current.isPresent() && current.get().equals(digest)) {
            Files.deleteIfExists(file);
            SecureFiles.fsyncDirectory(file.getParent());
            return true;
        }
        return false;
    }

    List<String> tags(String repo) throws IOException {
        return listNames(repoDir(repo).resolve(TAGS));
    }

    boolean exists(String repo) {
        return Files.isDirectory(repoDir(repo));
    }

    /** Every repository name (nested names use '/'). */
    List<String> repositories() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> p.getFileName().toString().equals(MANIFESTS)
                            || p.getFileName().toString().equals(TAGS))
                    .map(p -> root.relativize(p.getParent()).toString())
                    .distinct()
                    .sorted()
                    .forEach(out::add);
        }
        return out;
    }

    /** All tags of all repositories, as repository -> (tag -> digest). */
    Map<String, Map<String, Digest>> allTags() throws IOException {
        Map<String, Map<String, Digest>> out = new TreeMap<>();
        for (String repo : repositories()) {
            Map<String, Digest> tags = new TreeMap<>();
            for (String t : tags(repo)) {
                resolveTag(repo, t).ifPresent(d -> tags.put(t, d));
            }
            out.put(repo, tags);
        }
        return out;
    }

    /** Manifest membership records with their modification time, as repository -> (digest -> mtime). */
    Map<String, Map<Digest, Instant>> allManifests() throws IOException {
        Map<String, Map<Digest, Instant>> out = new TreeMap<>();
        for (String repo : repositories()) {
            Map<Digest, Instant> m = new TreeMap<>();
            Path dir = repoDir(repo).resolve(MANIFESTS);
            for (String hex : listNames(dir)) {
                try {
                    m.put(
                            new Digest(hex),
                            Files.getLastModifiedTime(dir.resolve(hex)).toInstant());
                } catch (IllegalArgumentException | NoSuchFileException ignored) {
                    // temp file or concurrently removed
                }
            }
            out.put(repo, m);
        }
        return out;
    }

    void removeManifest(String repo, Digest digest) throws IOException {
        Files.deleteIfExists(repoDir(repo).resolve(MANIFESTS).resolve(digest.hex()));
    }

    private static List<String> listNames(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .sorted()
                    .toList();
        }
    }
}
