package io.crifailover.image.meta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crifailover.image.archive.ArchiveRule;
import io.crifailover.image.archive.InvalidArchiveException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the collected metadata files into {@link CheckpointArchiveInfo}: identity from the
 * {@code spec.dump} annotations (CRI-O: {@code io.kubernetes.pod.*}/{@code io.kubernetes.container.name};
 * containerd: {@code io.kubernetes.cri.*}) and {@code config.dump}, CRIU statistics from
 * {@code stats-dump}, the CRIU version from the head of {@code dump.log}.
 */
public final class CheckpointInfoParser {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointInfoParser.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CRIU_VERSION = Pattern.compile("Version: ([0-9][0-9A-Za-z.\\-+]*)");

    private CheckpointInfoParser() {}

    /** Parses the collected files; {@code config.dump} and {@code spec.dump} must be valid JSON objects. */
    public static CheckpointArchiveInfo parse(MetadataCollector files) throws InvalidArchiveException {
        JsonNode config = readJson(files, MetadataCollector.CONFIG_DUMP);
        JsonNode spec = readJson(files, MetadataCollector.SPEC_DUMP);
        JsonNode annotations = spec.path("annotations");
        RuntimeFlavour flavour = detectFlavour(annotations, files);
        ContainerIdentity identity = identity(flavour, annotations, config);
        Instant checkpointedAt = parseTime(text(config, "checkpointedTime"));
        return new CheckpointArchiveInfo(flavour, identity, checkpointedAt, criuVersion(files), stats(files));
    }

    private static JsonNode readJson(MetadataCollector files, String name) throws InvalidArchiveException {
        byte[] bytes = files.file(name);
        if (bytes == null) {
            throw new InvalidArchiveException(name, ArchiveRule.MISSING_REQUIRED_ENTRY, "not found in the archive");
        }
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new InvalidArchiveException(name, ArchiveRule.BAD_METADATA, "not a JSON object");
            }
            return node;
        } catch (InvalidArchiveException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidArchiveException(name, ArchiveRule.BAD_METADATA, "not valid JSON: " + e.getMessage(), e);
        }
    }

    static RuntimeFlavour detectFlavour(JsonNode annotations, MetadataCollector files) {
        boolean crio = files.hasTopLevel("bind.mounts") || hasKeyPrefix(annotations, "io.kubernetes.cri-o.");
        boolean containerd = files.hasTopLevel("status.dump") || hasKeyPrefix(annotations, "io.kubernetes.cri.");
        if (crio && !containerd) {
            return RuntimeFlavour.CRIO;
        }
        if (containerd && !crio) {
            return RuntimeFlavour.CONTAINERD;
        }
        return RuntimeFlavour.UNKNOWN;
    }

    private static ContainerIdentity identity(RuntimeFlavour flavour, JsonNode a, JsonNode config) {
        String containerName;
        String podName;
        String namespace;
        String podUid;
        String sandboxId;
        if (flavour == RuntimeFlavour.CONTAINERD) {
            containerName = text(a, "io.kubernetes.cri.container-name");
            podName = text(a, "io.kubernetes.cri.sandbox-name");
            namespace = text(a, "io.kubernetes.cri.sandbox-namespace");
            podUid = text(a, "io.kubernetes.cri.sandbox-uid");
            sandboxId = text(a, "io.kubernetes.cri.sandbox-id");
        } else {
            containerName = text(a, "io.kubernetes.container.name");
            podName = text(a, "io.kubernetes.pod.name");
            namespace = text(a, "io.kubernetes.pod.namespace");
            podUid = text(a, "io.kubernetes.pod.uid");
            sandboxId = text(a, "io.kubernetes.cri-o.SandboxID");
        }
        if (containerName == null) {
            containerName = text(config, "name");
        }
        String imageName = firstNonNull(text(config, "rootfsImageName"), text(config, "rootfsImage"));
        return new ContainerIdentity(
                text(config, "id"),
                containerName,
                podName,
                namespace,
                podUid,
                sandboxId,
                imageName,
                text(config, "rootfsImageRef"),
                text(config, "runtime"));
    }

    private static String criuVersion(MetadataCollector files) {
        byte[] head = files.file(MetadataCollector.DUMP_LOG);
        if (head == null) {
            return null;
        }
        Matcher m = CRIU_VERSION.matcher(new String(head, StandardCharsets.UTF_8));
        return m.find() ? m.group(1) : null;
    }

    private static CriuDumpStats stats(MetadataCollector files) throws InvalidArchiveException {
        byte[] bytes = files.file(MetadataCollector.STATS_DUMP);
        if (bytes == null) {
            return null;
        }
        try {
            return StatsDumpParser.parse(bytes);
        } catch (IOException e) {
            throw new InvalidArchiveException(
                    MetadataCollector.STATS_DUMP, ArchiveRule.BAD_METADATA, e.getMessage(), e);
        }
    }

    private static Instant parseTime(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            Instant parsed = OffsetDateTime.parse(value).toInstant();
            return parsed.getEpochSecond() <= 0 ? null : parsed;
        } catch (DateTimeParseException e) {
            LOG.warn("config.dump: ignoring unparsable checkpointedTime '{}'", value);
            return null;
        }
    }

    private static boolean hasKeyPrefix(JsonNode object, String prefix) {
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            if (it.next().startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() && !value.asText().isEmpty() ? value.asText() : null;
    }

    private static String firstNonNull(String a, String b) {
        return a != null ? a : b;
    }
}
