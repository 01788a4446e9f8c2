package io.crifailover.shim.cli;

import picocli.CommandLine;

/** Reports the version from the jar manifest. */
final class VersionProvider implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = CriFailoverCli.class.getPackage().getImplementationVersion();
        return new String[] {"cri-failover " + (version == null ? "(development build)" : version)};
    }
}
