package io.crifailover.oci;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one JSON mapper for OCI documents: compact, fields in declared order, map keys sorted, so
 * equal documents serialize to equal bytes (and equal digests).
 */
public final class OciJson {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(SerializationFeature.INDENT_OUTPUT, false)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private OciJson() {}

    /** Canonical bytes of an OCI document. */
    public static byte[] write(Object document) {
        try {
            return MAPPER.writeValueAsBytes(document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses an OCI document; {@code what} names it in the error message. */
    public static <T> T read(byte[] bytes, Class<T> type, String what) throws IOException {
        try {
            return MAPPER.readValue(bytes, type);
        } catch (IOException e) {
            throw new IOException("cannot parse " + what + " as " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
