package io.crifailover.failover;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Turns probe results into suspicions: after {@code threshold} consecutive missed probes of a
 * peer it reports the peer once; a later successful probe clears it (and reports that too). The
 * verdict itself belongs to placement, where f+1 distinct reporters are needed.
 */
public final class FailureDetector {
    /** Receives suspicions and their withdrawal. */
    public interface Listener {
        void suspect(String peer);

        void reachableAgain(String peer);
    }

    private final int threshold;
    private final Listener listener;
    private final Map<String, Integer> misses = new HashMap<>();
    private final Set<String> suspected = new HashSet<>();
    private final Map<String, Long> lastAnswerNanos = new HashMap<>();

    public FailureDetector(int threshold, Listener listener) {
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be at least 1, was " + threshold);
        }
        this.threshold = threshold;
        this.listener = listener;
    }

    /** Records one probe of {@code peer}. */
    public synchronized void record(String peer, boolean answered) {
        if (answered) {
            lastAnswerNanos.put(peer, System.nanoTime());
            misses.remove(peer);
            if (suspected.remove(peer)) {
                listener.reachableAgain(peer);
            }
            return;
        }
        int n = misses.merge(peer, 1, Integer::sum);
        if (n >= threshold && suspected.add(peer)) {
            listener.suspect(peer);
        }
    }

    /** How many peers answered a probe within the last {@code window}. */
    public synchronized int answeredWithin(java.time.Duration window) {
        long since = System.nanoTime() - window.toNanos();
        return (int)
                lastAnswerNanos.values().stream().filter(t -> t - since >= 0).count();
    }

    public synchronized boolean isSuspected(String peer) {
        return suspected.contains(peer);
    }
}
