package io.crifailover.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crifailover.oci.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Per-container ordered checkpoint history in {@code containers/<id>/history.json}, rewritten atomically. */
final class CheckpointHistory {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<CheckpointRecord>> LIST = new TypeReference<>() {};
    private final Path root;

    CheckpointHistory(Path storeRoot) throws IOException {
        this.root = SecureFiles.ensurePrivateDirectory(storeRoot.resolve("containers"));
    }

    private Path file(String containerId) {
        return root.resolve(Names.containerId(containerId)).resolve("history.json");
    }

    synchronized List<CheckpointRecord> list(String containerId) throws IOException {
        Path f = file(containerId);
        if (!Files.exists(f)) {
            return List.of();
        }
        List<CheckpointRecord> records = new ArrayList<>(JSON.readValue(f.toFile(), LIST));
        records.sort(Comparator.comparingLong(CheckpointRecord::sequence));
        return List.copyOf(records);
    }

    /** Appends a record; a sequence below 0 means "next after the last one". Re-recording a sequence replaces it. */
    synchronized CheckpointRecord append(String containerId, CheckpointRecord record) throws IOException {
        List<CheckpointRecord> records = new ArrayList<>(list(containerId));
        long seq = record.sequence() >= 0
                ? record.sequence()
                : records.stream().mapToLong(CheckpointRecord::sequence).max().orElse(0) + 1;
        CheckpointRecord stored =
                new CheckpointRecord(seq, record.repository(), record.tag(), record.digest(), record.createdMillis());
        records.removeIf(r -> r.sequence() == seq);
        records.add(stored);
        write(containerId, records);
        return stored;
    }

    synchronized void write(String containerId, List<CheckpointRecord> records) throws IOException {
        List<CheckpointRecord> sorted = new ArrayList<>(records);
        sorted.sort(Comparator.comparingLong(CheckpointRecord::sequence));
        SecureFiles.writeAtomically(
                file(containerId), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(sorted));
    }

    synchronized List<String> containers() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> Files.exists(p.resolve("history.json")))
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .toList();
        }
    }
}
