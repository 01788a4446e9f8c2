package io.crifailover.placement;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reader for {@link WireOutput} bytes; every malformation is a {@link MalformedMessageException}. */
final class WireInput {
    static final int MAX_STRING_BYTES = 64 * 1024;
    static final int MAX_LIST_SIZE = 1_000_000;

    private final ByteBuffer buffer;
    private final String what;

    WireInput(byte[] bytes, String what) {
        this.buffer = ByteBuffer.wrap(bytes);
        this.what = what;
    }

    int tag() {
        return guard(() -> buffer.get() & 0xff);
    }

    boolean bool() {
        int b = guard(() -> buffer.get() & 0xff);
        if (b > 1) {
            throw fail("boolean byte " + b);
        }
        return b == 1;
    }

    int i32() {
        return guard(buffer::getInt);
    }

    long i64() {
        return guard(buffer::getLong);
    }

    String str() {
        int length = i32();
        if (length < 0 || length > MAX_STRING_BYTES || length > buffer.remaining()) {
            throw fail("string length " + length + " at offset " + buffer.position());
        }
        ByteBuffer slice = buffer.slice(buffer.position(), length);
        buffer.position(buffer.position() + length);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(slice)
                    .toString();
        } catch (CharacterCodingException e) {
            throw fail("invalid UTF-8 in string");
        }
    }

    byte[] bytes(int max) {
        int length = i32();
        if (length < 0 || length > max || length > buffer.remaining()) {
            throw fail("byte string length " + length + " at offset " + buffer.position());
        }
        byte[] value = new byte[length];
        buffer.get(value);
        return value;
    }

    int count() {
        int n = i32();
        if (n < 0 || n > MAX_LIST_SIZE || n > buffer.remaining()) {
            throw fail("list size " + n);
        }
        return n;
    }

    List<String> strings() {
        int n = count();
        List<String> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(str());
        }
        return values;
    }

    <E extends Enum<E>> E enumValue(Class<E> type) {
        int ordinal = tag();
        E[] values = type.getEnumConstants();
        if (ordinal >= values.length) {
            throw fail(type.getSimpleName() + " ordinal " + ordinal);
        }
        return values[ordinal];
    }

    void end() {
        if (buffer.hasRemaining()) {
            throw fail(buffer.remaining() + " trailing bytes");
        }
    }

    MalformedMessageException fail(String detail) {
        return new MalformedMessageException("malformed " + what + ": " + detail);
    }

    private <T> T guard(java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (BufferUnderflowException e) {
            throw fail("truncated at offset " + buffer.position());
        }
    }
}
