package io.crifailover.placement;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Big-endian, length-prefixed binary writer: the same values always give the same bytes. */
final class WireOutput {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(bytes);

    WireOutput tag(int tag) {
        return run(() -> out.writeByte(tag));
    }

    WireOutput bool(boolean value) {
        return run(() -> out.writeBoolean(value));
    }

    WireOutput i32(int value) {
        return run(() -> out.writeInt(value));
    }

    WireOutput i64(long value) {
        return run(() -> out.writeLong(value));
    }

    WireOutput str(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        return run(() -> {
            out.writeInt(utf8.length);
            out.write(utf8);
        });
    }

    WireOutput bytes(byte[] value) {
        return run(() -> {
            out.writeInt(value.length);
            out.write(value);
        });
    }

    WireOutput strings(List<String> values) {
        i32(values.size());
        values.forEach(this::str);
        return this;
    }

    byte[] toByteArray() {
        run(out::flush);
        return bytes.toByteArray();
    }

    private WireOutput run(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }
}
