package io.crifailover.installer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sets {@code containerRuntimeEndpoint} in a kubelet configuration file (KubeletConfiguration YAML)
 * by editing that one line, or appending it, so comments, key order and quoting of everything else
 * stay exactly as they were. The result is parsed again and must differ from the input in that key
 * only; otherwise the edit is refused with an error instead of writing a file kubelet would
 * misread.
 */
final class KubeletConfigEditor {

    static final String KEY = "containerRuntimeEndpoint";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern LINE = Pattern.compile(
            "^(" + KEY + "[ \\t]*:[ \\t]*)(\"[^\"]*\"|'[^']*'|[^\\s#][^#\\r\\n]*?)?([ \\t]*(#[^\\r\\n]*)?)(\\r?\\n|$)",
            Pattern.MULTILINE);

    private KubeletConfigEditor() {}

    /** The endpoint the file sets, if any. */
    static Optional<String> endpoint(byte[] yaml, String where) throws IOException {
        JsonNode value = parse(yaml, where).get(KEY);
        return value == null || value.isNull() || value.asText().isBlank()
                ? Optional.empty()
                : Optional.of(value.asText());
    }

    /** {@code yaml} with the endpoint set to {@code endpoint}. */
    static byte[] withEndpoint(byte[] yaml, String endpoint, String where) throws IOException {
        ObjectNode before = parse(yaml, where);
        String text = new String(yaml, StandardCharsets.UTF_8);
        Matcher matcher = LINE.matcher(text);
        String edited;
        if (matcher.find()) {
            if (matcher.find()) {
                throw new IOException(where + " sets " + KEY + " more than once; fix it by hand");
            }
            matcher.reset();
            matcher.find();
            String old = matcher.group(2) == null ? "" : matcher.group(2);
            String quote = old.startsWith("\"") ? "\"" : old.startsWith("'") ? "'" : "";
            boolean hasValue = matcher.start(2) >= 0;
            String space = hasValue
                            || matcher.group(1).endsWith(" ")
                            || matcher.group(1).endsWith("\t")
                    ? ""
                    : " ";
            edited = text.substring(0, hasValue ? matcher.start(2) : matcher.end(1))
                    + space
                    + quote
                    + endpoint
                    + quote
                    + text.substring(hasValue ? matcher.end(2) : matcher.end(1));
        } else {
            String newline = text.contains("\r\n") ? "\r\n" : "\n";
            String separator = text.isEmpty() || text.endsWith("\n") ? "" : newline;
            edited = text + separator + KEY + ": " + endpoint + newline;
        }
        byte[] result = edited.getBytes(StandardCharsets.UTF_8);
        ObjectNode after = parse(result, where);
        before.put(KEY, endpoint);
        if (!after.equals(before)) {
            throw new IOException("cannot set " + KEY + " in " + where + " by a one-line edit (unusual YAML layout); "
                    + "set it to " + endpoint + " by hand or pass --runtime-endpoint after fixing the file");
        }
        return result;
    }

    private static ObjectNode parse(byte[] yaml, String where) throws IOException {
        JsonNode node;
        try {
            node = YAML.readTree(yaml);
        } catch (IOException e) {
            throw new IOException("kubelet config " + where + " is not valid YAML: " + e.getMessage(), e);
        }
        if (node == null || node.isMissingNode()) {
            return YAML.createObjectNode();
        }
        if (!node.isObject()) {
            throw new IOException("kubelet config " + where + " is not a YAML mapping");
        }
        return (ObjectNode) node;
    }
}
