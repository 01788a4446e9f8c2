package io.crifailover.failover;

import io.crifailover.placement.Xsave;
import java.time.Duration;

/**
 * How the shim checks and bounds CRIU on its node.
 *
 * @param binary                 the CRIU the self-check runs (a name on PATH, as runc looks it up, or a path)
 * @param checkLimit             time limit of each self-check step
 * @param xsaveOverride          xsave facts published instead of the measured ones (testing placement), or null
 * @param checkpointTimeoutFloor the least time a runtime checkpoint is given ({@link CheckpointDeadline})
 */
public record CriuOptions(String binary, Duration checkLimit, Xsave xsaveOverride, Duration checkpointTimeoutFloor) {
    public static CriuOptions defaults() {
        return new CriuOptions("criu", Duration.ofSeconds(10), null, CheckpointDeadline.DEFAULT_FLOOR);
    }
}
