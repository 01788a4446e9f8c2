package io.crifailover.shim;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Passes gRPC messages through as opaque byte arrays, so the proxy needs no schema. Each message
 * is copied once on the way in (into an array of its exact size) and once on the way out (into the
 * transport's buffer, whose size gRPC knows up front).
 */
public final class RawMarshaller implements MethodDescriptor.Marshaller<byte[]> {

    /** The single shared instance; the marshaller is stateless. */
    public static final RawMarshaller INSTANCE = new RawMarshaller();

    private RawMarshaller() {}

    @Override
    public InputStream stream(byte[] value) {
        return new MessageStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
        try {
            if (stream instanceof KnownLength) {
                byte[] message = new byte[stream.available()];
                int read = stream.readNBytes(message, 0, message.length);
                byte[] rest = stream.readAllBytes();
                if (read == message.length && rest.length == 0) {
                    return message;
                }
                byte[] whole = Arrays.copyOf(message, read + rest.length);
                System.arraycopy(rest, 0, whole, read, rest.length);
                return whole;
            }
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read a gRPC message body", e);
        }
    }

    /** A message's bytes, with their length known and drained in one write. */
    private static final class MessageStream extends ByteArrayInputStream implements KnownLength, Drainable {

        MessageStream(byte[] message) {
            super(message);
        }

        @Override
        public synchronized int drainTo(OutputStream target) throws IOException {
            int length = count - pos;
            target.write(buf, pos, length);
            pos = count;
            return length;
        }
    }

    /** A descriptor of unknown call type for {@code fullMethodName} with raw request and response bodies. */
    public static MethodDescriptor<byte[], byte[]> rawMethod(String fullMethodName) {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNKNOWN)
                .setFullMethodName(fullMethodName)
                .setRequestMarshaller(INSTANCE)
                .setResponseMarshaller(INSTANCE)
                .build();
    }
}
