package io.crifailover.failover;

import io.crifailover.placement.Xsave;
import java.time.Instant;
import java.util.List;

/**
 * Whether this node's CRIU can checkpoint, from CRIU's own checks at shim start.
 *
 * @param state    checking (not known yet), ready or not ready
 * @param reason   why not ready (empty otherwise)
 * @param version  CRIU's version, e.g. {@code 4.2.1}, empty if unknown
 * @param checks   every check that ran, in order
 * @param xsave    this CPU's xsave facts as CRIU sees them ({@link Xsave#UNKNOWN} if not measured)
 * @param cpuModel CPU model name from CRIU's cpuinfo image
 * @param at       when the checks finished (or started, while checking)
 */
public record CriuReadiness(
        State state, String reason, String version, List<Check> checks, Xsave xsave, String cpuModel, Instant at) {

    /** Where the checks are. */
    public enum State {
        CHECKING,
        READY,
        NOT_READY
    }

    /**
     * One check.
     *
     * @param name     what was checked, e.g. {@code criu check}
     * @param passed   whether it passed
     * @param required whether readiness depends on it
     * @param output   CRIU's output (or why it did not run)
     * @param tookMs   wall time
     */
    public record Check(String name, boolean passed, boolean required, String output, long tookMs) {}

    public CriuReadiness {
        checks = List.copyOf(checks);
    }

    /** Before the checks have finished. */
    public static CriuReadiness checking(Instant now) {
        return new CriuReadiness(State.CHECKING, "", "", List.of(), Xsave.UNKNOWN, "", now);
    }

    public boolean ready() {
        return state == State.READY;
    }
}
