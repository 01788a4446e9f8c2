package io.crifailover.placement;

import java.util.Locale;
import java.util.Optional;

/**
 * The x86 XSAVE facts CRIU compares before it restores a process on another CPU (what {@code criu cpuinfo dump}
 * writes into {@code cpuinfo.img}: {@code xfeatures_mask}, {@code xsave_size}, {@code xsave_size_max}).
 *
 * <p>CRIU's rule ({@code criu/arch/x86/cpu.c}, the FPU part of its cpuinfo check): every xsave feature of the
 * source must be present on the target, and both xsave frame sizes must be <em>equal</em>, because glibc sizes
 * its signal and context buffers from the xsave size the CPU reports when the process starts, so a restored
 * process on a CPU with a bigger frame overruns them. runc never asks CRIU for this check (it sets no
 * {@code cpu_cap}), so containerd and CRI-O restores do not check the CPU at all: placement applies the rule.
 *
 * <p>{@link #UNKNOWN} (all zero) stands for "not measured" (another architecture, or a node that registered with
 * an older shim); like CRIU with an image that carries no xsave fields, the rule then passes.
 *
 * @param features xfeatures mask (XCR0 bits CRIU keeps)
 * @param size     xsave frame size of the enabled features, bytes
 * @param maxSize  xsave frame size of all supported features, bytes
 */
public record Xsave(long features, int size, int maxSize) {
    /** Not measured. */
    public static final Xsave UNKNOWN = new Xsave(0, 0, 0);

    public Xsave {
        if (size < 0 || maxSize < 0) {
            throw new IllegalArgumentException("xsave sizes must be >= 0, were " + size + " and " + maxSize);
        }
    }

    public boolean known() {
        return size != 0 || maxSize != 0 || features != 0;
    }

    /**
     * Why CRIU on a CPU with these values would refuse a process checkpointed on a CPU with {@code source}'s,
     * or empty if it would accept it.
     */
    public Optional<String> refusal(Xsave source) {
        if (!known() || !source.known()) {
            return Optional.empty();
        }
        long missing = source.features & ~features;
        if (missing != 0) {
            return Optional.of("xsave features 0x" + Long.toHexString(missing) + " missing");
        }
        if (source.size != size) {
            return Optional.of("xsave size " + size + " != " + source.size);
        }
        if (source.maxSize != maxSize) {
            return Optional.of("xsave max size " + maxSize + " != " + source.maxSize);
        }
        return Optional.empty();
    }

    /** Parses {@code MASK:SIZE:MAXSIZE}, the mask in hex (with or without 0x), the sizes in decimal. */
    public static Xsave parse(String text) {
        String[] parts = text.trim().split(":");
        if (parts.length != 3) {
            throw new IllegalArgumentException("xsave must be MASK:SIZE:MAXSIZE (e.g. 0x207:2440:2440), was " + text);
        }
        try {
            String mask = parts[0].toLowerCase(Locale.ROOT);
            return new Xsave(
                    Long.parseUnsignedLong(mask.startsWith("0x") ? mask.substring(2) : mask, 16),
                    Integer.parseInt(parts[1]),
                    Integer.parseInt(parts[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("xsave must be MASK:SIZE:MAXSIZE (e.g. 0x207:2440:2440), was " + text);
        }
    }

    @Override
    public String toString() {
        return "0x" + Long.toHexString(features) + ":" + size + ":" + maxSize;
    }
}
