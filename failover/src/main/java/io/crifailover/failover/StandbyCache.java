package io.crifailover.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Placement's standby answer per container, reused while nothing it depends on changed, so a checkpoint does not
 * make an ordered placement call only to hear the same nodes again. An answer is reused only while all of these
 * hold:
 *
 * <ul>
 *   <li>it named as many standbys as were asked for (a short answer may grow when a node joins);
 *   <li>this node's facts as placement knows them (name, address, CPU flags, CRIU readiness, xsave) and the set of
 *       peers this node's probes suspect are the same as when placement answered (a peer failing or coming back,
 *       or this node re-announcing itself, drops every answer);
 *   <li>every standby acknowledged the last push ({@link #invalidate} otherwise);
 *   <li>it is younger than {@code maxAge}, which bounds how long a change only placement sees (a node joining, a
 *       peer's CPU facts changing, a failure declared on other nodes' votes) goes unnoticed.
 * </ul>
 *
 * Standbys affect only where copies go: a restore uses the holders recorded with each checkpoint, which are the
 * nodes that acknowledged it, so a stale answer never makes a restore use a checkpoint no standby holds.
 */
public final class StandbyCache {
    /** What the cached answers depend on that this node sees without asking placement. */
    public record View(PlacementLink.Self self, Set<String> suspectedPeers) {
        public View {
            suspectedPeers = Set.copyOf(suspectedPeers);
        }
    }

    private record Entry(List<String> standbys, View view, Instant at) {}

    private final Clock clock;
    private final Duration maxAge;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    public StandbyCache(Clock clock, Duration maxAge) {
        this.clock = clock;
        this.maxAge = maxAge;
    }

    /** The cached standbys of {@code container} if they are still valid in {@code now}'s view. */
    public Optional<List<String>> get(String container, View now) {
        Entry e = entries.get(container);
        if (e == null) {
            return Optional.empty();
        }
        if (!e.view().equals(now) || !clock.instant().isBefore(e.at().plus(maxAge))) {
            entries.remove(container, e);
            return Optional.empty();
        }
        return Optional.of(e.standbys());
    }

    /** Remembers placement's answer for {@code container}, if it is full ({@code wanted} nodes). */
    public void put(String container, List<String> standbys, int wanted, View view) {
        if (standbys.size() < wanted) {
            entries.remove(container);
            return;
        }
        entries.put(container, new Entry(List.copyOf(standbys), view, clock.instant()));
    }

    /** Drops {@code container}'s answer: a standby did not acknowledge, or the container is gone. */
    public void invalidate(String container) {
        entries.remove(container);
    }
}
