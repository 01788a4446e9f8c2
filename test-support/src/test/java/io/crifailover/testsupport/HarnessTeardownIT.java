package io.crifailover.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Teardown must leave the machine clean even when containerd died under running pods. */
@Tag("integration")
class HarnessTeardownIT {

    @Test
    void teardownAfterContainerdWasKilledLeavesNothingBehind() {
        NetworkNamespace ns = NetworkNamespace.create("teardown");
        ContainerdNode node =
                ContainerdNode.start(ContainerdNode.options().name("teardown").netns(ns));
        String id = CheckpointRestoreIT.runCounter(node.cri(), "doomed");
        CheckpointRestoreIT.waitForCount(node.cri(), id, 2);
        node.kill();
        assertThat(node.isRunning()).isFalse();
        assertThat(node.leftovers())
                .as("shims, containers, mounts and cgroups outlive containerd")
                .anyMatch(l -> l.startsWith("process"));

        node.close();
        ns.close();

        assertThat(node.leftovers()).isEmpty();
        assertThat(Files.exists(ns.path())).isFalse();
        assertThat(Shell.run("ip", "link", "show", "crv" + ns.name().split("-")[1])
                        .ok())
                .isFalse();
    }

    @Test
    void restartedContainerdStillServesItsPods() {
        try (ContainerdNode node = ContainerdNode.start("restart")) {
            String id = CheckpointRestoreIT.runCounter(node.cri(), "survivor");
            long before = CheckpointRestoreIT.waitForCount(node.cri(), id, 2);
            node.kill();
            node.restart();
            CheckpointRestoreIT.waitForCount(node.cri(), id, before + 1);
        }
    }
}
