package io.crifailover.placement;

import bftsmart.reconfiguration.util.TOMConfiguration;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads BFT-SMaRt's configuration from a directory written by {@link ClusterConfigWriter}. */
final class BftConfigs {
    private BftConfigs() {}

    static TOMConfiguration load(int processId, Path configDir) {
        Path system = configDir.resolve("system.config");
        Path hosts = configDir.resolve("hosts.config");
        if (!Files.isRegularFile(system) || !Files.isRegularFile(hosts)) {
            throw new IllegalArgumentException("no placement cluster configuration in " + configDir
                    + " (expected system.config and hosts.config)");
        }
        return new TOMConfiguration(processId, system.toString(), hosts.toString());
    }
}
