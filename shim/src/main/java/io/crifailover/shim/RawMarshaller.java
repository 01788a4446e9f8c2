package io.crifailover.shim;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Passes gRPC messages through as opaque byte arrays, so the proxy needs no schema. */
public final class RawMarshaller implements MethodDescriptor.Marshaller<byte[]> {

    /** The single shared instance; the marshaller is stateless. */
    public static final RawMarshaller INSTANCE = new RawMarshaller();

    private RawMarshaller() {}

    @Override
    public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
        try {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read a gRPC message body", e);
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
