package io.crifailover.installer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The installer's journal on the host ({@value #HOST_PATH}, mode 0600): JSON, rewritten atomically
 * before each change it describes is made, so an interrupted install can still be undone.
 */
public final class StateFile {

    /** Host path of the state file. */
    public static final String HOST_PATH = "/var/lib/cri-failover/installer-state.json";
    /** Host directory holding it (0700). */
    public static final String HOST_DIR = "/var/lib/cri-failover";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final HostRoot host;

    public StateFile(HostRoot host) {
        this.host = host;
    }

    /** The recorded state, or empty when nothing is installed. */
    public Optional<InstallState> load() throws IOException {
        Path path = host.locate(HOST_PATH);
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            InstallState state = JSON.readValue(Files.readAllBytes(path), InstallState.class);
            if (state.version != 1) {
                throw new IOException("installer state " + path + " has unsupported version " + state.version);
            }
            return Optional.of(state);
        } catch (JsonProcessingException e) {
            throw new IOException("installer state " + path + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Writes {@code state} unless the file already holds exactly these bytes. */
    public void save(InstallState state) throws IOException {
        byte[] bytes = serialize(state);
        Path path = host.locate(HOST_PATH);
        if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && Arrays.equals(Files.readAllBytes(path), bytes)) {
            return;
        }
        AtomicFiles.write(path, bytes, 0600, 0, 0);
    }

    /** Removes the state file (the last step of uninstall). */
    public void delete() throws IOException {
        Files.deleteIfExists(host.locate(HOST_PATH));
    }

    static byte[] serialize(InstallState state) throws IOException {
        byte[] body = JSON.writeValueAsBytes(state);
        byte[] withNewline = Arrays.copyOf(body, body.length + 1);
        withNewline[body.length] = '\n';
        return withNewline;
    }
}
