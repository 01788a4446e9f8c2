package io.crifailover.testbed;

import io.crifailover.placement.NodeInfo;
import io.crifailover.placement.PlacementClient;
import io.crifailover.placement.PlacementException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A member that lies: with its own node's placement identity (the shim's placement directory and
 * key), it reports healthy nodes as failed every 100 ms for a while, as a compromised or broken node
 * would. One member's votes must never be enough to declare a node failed. Run inside that node's
 * network namespace by the chaos benchmark; prints how many of its votes placement accepted.
 *
 * <p>Arguments: placement directory, member id, the lying node's name, duration in ms, victims.
 */
public final class LyingMember {
    private static final Duration PERIOD = Duration.ofMillis(100);

    private LyingMember() {}

    public static void main(String[] args) {
        ExitAfter.run(LyingMember::run, args);
    }

    private static void run(String[] args) throws InterruptedException {
        Path placementDir = Path.of(args[0]);
        int memberId = Integer.parseInt(args[1]);
        String self = args[2];
        long end =
                System.nanoTime() + Duration.ofMillis(Long.parseLong(args[3])).toNanos();
        List<String> victims = List.of(args).subList(4, args.length);
        int votes = 0;
        int accepted = 0;
        int refused = 0;
        try (PlacementClient client = PlacementClient.connect(placementDir, memberId, Duration.ofSeconds(2))) {
            while (System.nanoTime() < end) {
                List<NodeInfo> nodes;
                try {
                    nodes = client.nodes();
                } catch (PlacementException e) {
                    refused++;
                    Thread.sleep(PERIOD.toMillis());
                    continue;
                }
                for (String victim : victims) {
                    long epoch = nodes.stream()
                            .filter(n -> n.name().equals(victim))
                            .mapToLong(NodeInfo::epoch)
                            .findFirst()
                            .orElse(0L);
                    votes++;
                    try {
                        if (client.suspect(self, victim, epoch).accepted()) {
                            accepted++;
                        }
                    } catch (PlacementException e) {
                        // the node's own shim numbers this member's requests too; or no quorum answered
                        refused++;
                    }
                }
                Thread.sleep(PERIOD.toMillis());
            }
        }
        System.out.println("lying member " + self + ": " + votes + " votes sent, " + accepted + " accepted, " + refused
                + " calls failed");
    }
}
