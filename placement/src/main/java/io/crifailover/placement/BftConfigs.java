package io.crifailover.placement;

import bftsmart.reconfiguration.util.TOMConfiguration;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads BFT-SMaRt's configuration from a directory written by {@link ClusterConfigWriter}, with the members' own
 * keys (never the library's built-in pair).
 */
final class BftConfigs {
    private BftConfigs() {}

    /** The configuration of process {@code processId}, which holds {@code key}. */
    static TOMConfiguration load(int processId, Path configDir, NodeKey key) {
        Path system = configDir.resolve("system.config");
        Path hosts = configDir.resolve("hosts.config");
        if (!Files.isRegularFile(system) || !Files.isRegularFile(hosts)) {
            throw new IllegalArgumentException("no placement cluster configuration in " + configDir
                    + " (expected system.config and hosts.config)");
        }
        TOMConfiguration conf = new TOMConfiguration(processId, system.toString(), hosts.toString());
        if (conf.useDefaultKeys()) {
            throw new IllegalArgumentException(system + " asks for BFT-SMaRt's built-in keys (defaultkeys = true)");
        }
        conf.setRsaLoader(new PlacementKeyLoader(MemberKeys.load(configDir), key));
        return conf;
    }
}
