package io.crifailover.failover;

import io.crifailover.placement.PlacementClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** A {@link PlacementLink} for unit tests: node {@code name} at {@code address}, a 5 s fence, no fence action. */
final class TestLinks {
    private TestLinks() {}

    static PlacementLink of(PlacementClient client, String name, String address) {
        return new PlacementLink(
                client,
                new PlacementLink.Self(name, address, "x86_64", List.of(), 4),
                new SelfFence(Duration.ofSeconds(5)),
                Clock.systemUTC(),
                () -> {},
                () -> false);
    }
}
