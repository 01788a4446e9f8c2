package io.crifailover.shim;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RawMarshallerTest {

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void outgoingStreamKnowsItsLengthAndDrainsWhole() throws IOException {
        byte[] message = bytes(70_000);
        InputStream stream = RawMarshaller.INSTANCE.stream(message);
        assertThat(stream).isInstanceOf(KnownLength.class).isInstanceOf(Drainable.class);
        assertThat(stream.available()).isEqualTo(message.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(((Drainable) stream).drainTo(out)).isEqualTo(message.length);
        assertThat(out.toByteArray()).isEqualTo(message);
        assertThat(stream.read()).isEqualTo(-1);
    }

    @Test
    void parsesKnownAndUnknownLengthStreams() {
        byte[] message = bytes(40_000);
        assertThat(RawMarshaller.INSTANCE.parse(RawMarshaller.INSTANCE.stream(message)))
                .isEqualTo(message);
        assertThat(RawMarshaller.INSTANCE.parse(new ByteArrayInputStream(message)))
                .isEqualTo(message);
        assertThat(RawMarshaller.INSTANCE.parse(RawMarshaller.INSTANCE.stream(new byte[0])))
                .isEmpty();
    }

    @Test
    void streamThatKnowsTooLittleIsStillReadWhole() {
        byte[] message = bytes(10_000);
        assertThat(RawMarshaller.INSTANCE.parse(new Underreporting(message))).isEqualTo(message);
    }

    /** Claims fewer bytes than it holds. */
    private static final class Underreporting extends ByteArrayInputStream implements KnownLength {
        Underreporting(byte[] message) {
            super(message);
        }

        @Override
        public synchronized int available() {
            return Math.min(100, super.available());
        }
    }
}
