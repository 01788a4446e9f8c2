package io.crifailover.placement;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Finds a replica thread wedged by a BFT-SMaRt 0.0.8 fault. First: when a replica collects a quorum of ACCEPTs for a
 * consensus before the leader's PROPOSE reaches it (one connection still in TCP back-off after a network cut), it
 * decides anyway and its message-handling thread then spins in {@code Decision.getDeserializedValue} waiting for
 * the PROPOSE that only that same thread could process ({@code waitForPropose} tests {@code decisionEpoch == null &&
 * ...} where {@code ||} was meant). The replica still answers TCP connects but takes no part in consensus any more,
 * for ever. A thread seen in that method in every sample for {@code after} is wedged: the method returns at once
 * when it works. Second: the message-handling loop gone (an exception ended its thread). Third: a thread blocked in a
 * replica-to-replica connect or in the handshake after it for {@code stuckAfter}: the library sets no timeout on
 * either, {@link BoundedConnectSelector} bounds the connect before it starts, and this catches what slips past it
 * (a peer cut off between that check and the connect, or in the middle of the handshake). The replica's process
 * then exits and its supervisor ({@link ReplicaProcess}) starts a fresh one.
 */
final class ReplicaWedgeDetector {
    static final String CLASS = "bftsmart.consensus.Decision";
    static final String METHOD = "getDeserializedValue";
    /** The loop of the one thread that handles every protocol message. */
    static final String MESSAGE_LOOP_CLASS = "bftsmart.communication.ServerCommunicationSystem";

    static final String MESSAGE_LOOP_METHOD = "run";
    /** A blocking connect: the library's {@code new Socket(host, port)}. */
    static final String CONNECT_CLASS = "java.net.Socket";

    static final String CONNECT_METHOD = "connect";
    /** The library's handshake on a new replica-to-replica connection (blocking reads without a timeout). */
    static final String HANDSHAKE_CLASS = "bftsmart.communication.server.ServerConnection";

    static final String HANDSHAKE_METHOD = "authenticateAndEstablishAuthKey";

    private final long afterNanos;
    private final long stuckAfterNanos;
    private final Map<Thread, Long> since = new HashMap<>();
    private final Map<Thread, Long> blockedSince = new HashMap<>();
    private long messageLoopMissingSince = -1;

    ReplicaWedgeDetector(Duration after) {
        this(after, Duration.ofSeconds(15));
    }

    ReplicaWedgeDetector(Duration after, Duration stuckAfter) {
        this.afterNanos = after.toNanos();
        this.stuckAfterNanos = stuckAfter.toNanos();
    }

    /** What a sample found wrong with the replica, and the thread concerned if one is. */
    record Wedge(Optional<Thread> thread, String why) {}

    /**
     * One sample of the replica's threads at {@code nowNanos}: a thread spinning in the decision wait for at least the
     * threshold, a thread blocked in a connect or handshake for at least the stuck threshold, or the
     * message-handling loop gone (its thread died of an exception) for at least the threshold. {@code started}: the
     * library's start has returned, so its message loop must exist.
     */
    Optional<Wedge> check(long nowNanos, Map<Thread, StackTraceElement[]> stacks, boolean started) {
        Optional<Wedge> blocked = blockedInNetwork(nowNanos, stacks);
        if (blocked.isPresent()) {
            return blocked;
        }
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
        if (loopAlive || !started) {
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

    /** {@link #check(long, Map, boolean)} of a replica whose start has returned. */
    Optional<Wedge> check(long nowNanos, Map<Thread, StackTraceElement[]> stacks) {
        return check(nowNanos, stacks, true);
    }

    /** Samples the live threads of {@code group} now. */
    Optional<Wedge> check(ThreadGroup group, boolean started) {
        return check(System.nanoTime(), stacks(group), started);
    }

    /** A thread seen in a connect or in the library's handshake in every sample for the stuck threshold. */
    Optional<Wedge> blockedInNetwork(long nowNanos, Map<Thread, StackTraceElement[]> stacks) {
        blockedSince.keySet().removeIf(t -> !stacks.containsKey(t) || !inNetworkWait(stacks.get(t)));
        for (Map.Entry<Thread, StackTraceElement[]> e : stacks.entrySet()) {
            if (!inNetworkWait(e.getValue())) {
                continue;
            }
            long first = blockedSince.computeIfAbsent(e.getKey(), t -> nowNanos);
            if (nowNanos - first >= stuckAfterNanos) {
                String where = has(e.getValue(), HANDSHAKE_CLASS, HANDSHAKE_METHOD)
                        ? "the handshake of a replica connection"
                        : "a connect to another replica";
                return Optional.of(new Wedge(
                        Optional.of(e.getKey()),
                        "thread " + e.getKey().getName() + " has been blocked in " + where + " for "
                                + stuckAfterNanos / 1_000_000 + " ms (the library sets no timeout)"));
            }
        }
        return Optional.empty();
    }

    /**
     * In the library's own connect (not in {@link BoundedConnectSelector}'s check before it, which is bounded and
     * which a connect retried in a loop spends its time in) or in its handshake.
     */
    static boolean inNetworkWait(StackTraceElement[] stack) {
        boolean connecting = has(stack, CONNECT_CLASS, CONNECT_METHOD)
                && !has(stack, BoundedConnectSelector.class.getName(), "select");
        return connecting || has(stack, HANDSHAKE_CLASS, HANDSHAKE_METHOD);
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
