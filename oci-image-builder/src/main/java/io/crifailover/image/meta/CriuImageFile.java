package io.crifailover.image.meta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the framing of a CRIU image file: an optional 32-bit "common" or "service" magic, the
 * 32-bit image magic, then entries each made of a 32-bit little-endian length and that many bytes
 * of protobuf.
 */
public final class CriuImageFile {

    /** Magic that precedes the image magic of most images. */
    public static final int COMMON_MAGIC = 0x54564319;
    /** Magic that precedes the image magic of service images (inventory, stats, ...). */
    public static final int SERVICE_MAGIC = 0x55105940;
    /** Image magic of {@code stats-dump} and {@code stats-restore}. */
    public static final int STATS_MAGIC = 0x57093306;

    private final int magic;
    private final List<byte[]> entries;

    private CriuImageFile(int magic, List<byte[]> entries) {
        this.magic = magic;
        this.entries = entries;
    }

    /** Parses a whole (small) image file; {@code name} is used in error messages. */
    public static CriuImageFile parse(String name, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 4) {
            throw new IOException(name + ": too short for a CRIU image (" + bytes.length + " bytes)");
        }
        int magic = buf.getInt();
        if (magic == COMMON_MAGIC || magic == SERVICE_MAGIC) {
            if (buf.remaining() < 4) {
                throw new IOException(name + ": CRIU image header ends after the first magic");
            }
            magic = buf.getInt();
        }
        List<byte[]> entries = new ArrayList<>();
        while (buf.hasRemaining()) {
            if (buf.remaining() < 4) {
                throw new IOException(name + ": truncated entry length at offset " + buf.position());
            }
            long length = Integer.toUnsignedLong(buf.getInt());
            if (length > buf.remaining()) {
                throw new IOException(name + ": entry at offset " + (buf.position() - 4) + " declares " + length
                        + " bytes, only " + buf.remaining() + " remain");
            }
            byte[] entry = new byte[(int) length];
            buf.get(entry);
            entries.add(entry);
        }
        return new CriuImageFile(magic, entries);
    }

    /** The image-type magic (after any common/service magic). */
    public int magic() {
        return magic;
    }

    /** The protobuf payloads in file order. */
    public List<byte[]> entries() {
        return entries;
    }
}
