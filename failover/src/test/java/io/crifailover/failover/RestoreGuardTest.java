package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.failover.RestoreGuard.Identity;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RestoreGuardTest {
    private final Identity checkpoint = new Identity("shop", "StatefulSet/db");

    @Test
    void allowsSameNamespaceAndWorkload() {
        assertThat(RestoreGuard.check(checkpoint, new Identity("shop", "StatefulSet/db"))
                        .allowed())
                .isTrue();
    }

    @Test
    void refusesOtherNamespaceOrWorkloadWithAReason() {
        var otherNs = RestoreGuard.check(checkpoint, new Identity("attacker", "StatefulSet/db"));
        assertThat(otherNs.allowed()).isFalse();
        assertThat(otherNs.reason()).contains("namespace shop").contains("attacker");
        var otherWorkload = RestoreGuard.check(checkpoint, new Identity("shop", "Deployment/web"));
        assertThat(otherWorkload.allowed()).isFalse();
        assertThat(otherWorkload.reason()).contains("StatefulSet/db").contains("Deployment/web");
    }

    @Test
    void failsClosedWithoutIdentity() {
        assertThat(RestoreGuard.check(new Identity(null, null), new Identity("shop", "StatefulSet/db"))
                        .allowed())
                .isFalse();
        assertThat(RestoreGuard.check(checkpoint, new Identity("shop", null)).allowed())
                .isFalse();
    }

    @Test
    void sandboxIdentityFallsBackToThePodNameForBarePods() {
        Identity bare = Identity.ofSandbox(
                Map.of("io.kubernetes.pod.namespace", "shop", "io.kubernetes.pod.name", "db-0"), Map.of());
        assertThat(bare).isEqualTo(new Identity("shop", "Pod/db-0"));
        Identity owned = Identity.ofSandbox(
                Map.of("io.kubernetes.pod.namespace", "shop", "io.kubernetes.pod.name", "db-0"),
                Map.of(RestoreGuard.WORKLOAD, "StatefulSet/db"));
        assertThat(owned).isEqualTo(new Identity("shop", "StatefulSet/db"));
    }
}
