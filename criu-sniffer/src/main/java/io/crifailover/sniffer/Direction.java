package io.crifailover.sniffer;

/** Which way a datagram travelled between the container runtime (runc) and CRIU. */
public enum Direction {
    /** From the runtime to CRIU: requests and answers to notifications. */
    TO_CRIU("runtime->criu"),
    /** From CRIU to the runtime: notifications and the final reply. */
    TO_RUNTIME("criu->runtime");

    private final String label;

    Direction(String label) {
        this.label = label;
    }

    /** The label used in capture files and JSON output. */
    public String label() {
        return label;
    }

    /** Parses a label written by {@link #label()}. */
    public static Direction fromLabel(String label) {
        for (Direction d : values()) {
            if (d.label.equals(label)) {
                return d;
            }
        }
        throw new IllegalArgumentException(
                "unknown direction '" + label + "' (expected runtime->criu or criu->runtime)");
    }
}
