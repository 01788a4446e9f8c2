package io.crifailover.failover;

import com.google.protobuf.InvalidProtocolBufferException;
import io.crifailover.placement.Xsave;
import io.crifailover.protos.criu.CriuCpuinfo.cpuinfo_entry;
import io.crifailover.protos.criu.CriuCpuinfo.cpuinfo_x86_entry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads the {@code cpuinfo.img} that {@code criu cpuinfo dump} writes: CRIU's image header (two 32-bit magics),
 * then one entry (32-bit little-endian length, then a {@code cpuinfo_entry} protobuf, CRIU's {@code
 * cpuinfo.proto} as Debian's go-criu package ships it).
 */
public final class CriuCpuinfoImage {
    /** CRIU's magic of images other than inventory ({@code IMG_COMMON_MAGIC}). */
    static final int COMMON_MAGIC = 0x54564319;
    /** {@code CPUINFO_MAGIC}. */
    static final int CPUINFO_MAGIC = 0x61404013;

    /**
     * What this CPU is to CRIU.
     *
     * @param xsave facts CRIU compares ({@link Xsave#UNKNOWN} when the image has no x86 entry)
     * @param model CPU model name, empty if none
     */
    public record Cpu(Xsave xsave, String model) {}

    private CriuCpuinfoImage() {}

    /** @throws IllegalArgumentException naming what is wrong with the image */
    public static Cpu parse(byte[] image) {
        ByteBuffer in = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if (image.length < 12) {
            throw new IllegalArgumentException("cpuinfo image has " + image.length + " bytes, too short");
        }
        int common = in.getInt();
        int magic = in.getInt();
        if (common != COMMON_MAGIC || magic != CPUINFO_MAGIC) {
            throw new IllegalArgumentException(String.format(
                    "not a CRIU cpuinfo image (magics 0x%08x 0x%08x, expected 0x%08x 0x%08x)",
                    common, magic, COMMON_MAGIC, CPUINFO_MAGIC));
        }
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("cpuinfo entry of " + length + " bytes, " + in.remaining() + " left");
        }
        cpuinfo_entry entry;
        try {
            entry = cpuinfo_entry.parseFrom(ByteBuffer.wrap(image, 12, length));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("cpuinfo entry does not decode: " + e.getMessage(), e);
        }
        if (entry.getX86EntryCount() == 0) {
            return new Cpu(Xsave.UNKNOWN, "");
        }
        cpuinfo_x86_entry x86 = entry.getX86Entry(0);
        Xsave xsave = x86.hasXsaveSize()
                ? new Xsave(x86.getXfeaturesMask(), x86.getXsaveSize(), x86.getXsaveSizeMax())
                : Xsave.UNKNOWN;
        return new Cpu(xsave, x86.getModelId());
    }
}
