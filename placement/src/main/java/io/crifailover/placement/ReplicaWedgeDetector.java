package io.crifailover.placement;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Finds a replica thread wedged by a BFT-SMaRt 0.0.8 fault: when a replica collects a quorum of ACCEPTs for a
 * consensus before the leader's PROPOSE reaches it (one connection still in TCP back-off after a network cut), it
 * decides anyway and its message-handling thread then spins in {@code Decision.getDeserializedValue} waiting for
 * the PROPOSE that only that same thread could process ({@code waitForPropose} tests {@code decisionEpoch == null &&
 * ...} where {@code ||} was meant). The replica still answers TCP connects but takes no part in consensus any more,
 * for ever. A thread seen in that method in every sample for {@code after} is wedged: the method returns at once
 * when it works.
 */
final class ReplicaWedgeDetector {
    static final String CLASS = "bftsmart.consensus.Decision";
    static final String METHOD = "getDeserializedValue";
    /** The loop of the one thread that handles every protocol message. */
    static final String MESSAGE_LOOP_CLASS = "bftsmart.communication.ServerCommunicationSystem";

    static final String MESSAGE_LOOP_METHOD = "run";

    private final long afterNanos;
    private final Map<Thread, Long> since = new HashMap<>();
    private long messageLoopMissingSince = -1;

    ReplicaWedgeDetector(Duration after) {
        this.afterNanos = after.toNanos();
    }

    /** What a sample found wrong with the replica. */
    record Wedge(Optional<Thread> spinning, String why) {}

    /**
     * One sample of the replica's threads at {@code nowNanos}: a thread spinning in the decision wait for at least the
     * threshold, or the message-handling loop gone (its thread died of an exception) for at least the threshold.
     */
    Optional<Wedge> check(long nowNanos, Map<Thread, StackTraceElement[]> stacks) {
        Optional<Thread> spinning = sample(nowNanos, stacks);
        if (spinning.isPresent()) {
            return Optional.of(new Wedge(
                    spinning,
                    "thread " + spinning.get().getName() + " has spun in "
                            + "Decision.getDeserializedValue for " + afterNanos / 1_000_000
                            + " ms (it decided a consensus "
                            + "before the PROPOSE arrived)"));
        }
        boolean loopAlive = stacks.values().stream().anyMatch(s -> has(s, MESSAGE_LOOP_CLASS, MESSAGE_LOOP_METHOD));
        if (loopAlive) {
            messageLoopMissingSince = -1;
            return Optional.empty();
        }
        if (messageLoopMissingSince < 0) {
            messageLoopMissingSince = nowNanos;
        }
        if (nowNanos - messageLoopMissingSince >= afterNanos) {
            return Optional.of(new Wedge(
                    Optional.empty(),
                    "its message-handling thread has been gone for " + afterNanos / 1_000_000
                            + " ms (an exception ended it)"));
        }
        return Optional.empty();
    }

    /** Samples the live threads of {@code group} now. */
    Optional<Wedge> check(ThreadGroup group) {
        return check(System.nanoTime(), stacks(group));
    }

    /** One sample of the replica's threads at {@code nowNanos}; returns a thread wedged for at least the threshold. */
    Optional<Thread> sample(long nowNanos, Map<Thread, StackTraceElement[]> stacks) {
        since.keySet().removeIf(t -> !stacks.containsKey(t) || !inDecisionWait(stacks.get(t)));
        Thread wedged = null;
        for (Map.Entry<Thread, StackTraceElement[]> e : stacks.entrySet()) {
            if (!inDecisionWait(e.getValue())) {
                continue;
            }
            long first = since.computeIfAbsent(e.getKey(), t -> nowNanos);
            if (nowNanos - first >= afterNanos) {
                wedged = e.getKey();
            }
        }
        return Optional.ofNullable(wedged);
    }

    private static Map<Thread, StackTraceElement[]> stacks(ThreadGroup group) {
        Thread[] threads = new Thread[group.activeCount() + 16];
        int n = group.enumerate(threads, true);
        Map<Thread, StackTraceElement[]> stacks = new HashMap<>();
        for (int i = 0; i < n; i++) {
            stacks.put(threads[i], threads[i].getStackTrace());
        }
        return stacks;
    }

    static boolean inDecisionWait(StackTraceElement[] stack) {
        return has(stack, CLASS, METHOD);
    }

    private static boolean has(StackTraceElement[] stack, String className, String method) {
        for (StackTraceElement f : stack) {
            if (className.equals(f.getClassName()) && method.equals(f.getMethodName())) {
                return true;
            }
        }
        return false;
    }
}
