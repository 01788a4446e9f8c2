package io.crifailover.placement;

import java.security.PublicKey;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Decides, deterministically on every replica, whether a request really comes from the member it names: the
 * member is in the cluster settings, the signature is that member's, the request number is above the last one
 * accepted from it (no replays), and the command acts for the member's own node. The last accepted numbers are
 * replicated state (part of the snapshot), so every replica refuses the same requests.
 */
final class RequestAuthenticator {
    /** Start of the refusal a client gets for a request number at or below the last accepted one. */
    static final String STALE = "stale request number; last accepted ";

    private final MemberKeys members;
    private final TreeMap<Integer, Long> lastNumbers = new TreeMap<>();

    RequestAuthenticator(MemberKeys members) {
        this.members = members;
    }

    /** A request that passed ({@code refusal} empty) with its member and command, or why it did not. */
    record Admission(int member, Command command, Optional<String> refusal) {
        static Admission refused(String why) {
            return new Admission(-1, null, Optional.of(why));
        }
    }

    /**
     * Checks one request; an ordered one that is authentic moves its member's request number forward, an unordered
     * one (read-only) changes nothing.
     */
    Admission admit(byte[] request, boolean ordered) {
        SignedRequest signed;
        try {
            signed = SignedRequest.decode(request);
        } catch (MalformedMessageException e) {
            return Admission.refused(e.getMessage());
        }
        Optional<PublicKey> key = members.key(signed.member());
        if (key.isEmpty()) {
            return Admission.refused("member " + signed.member() + " is not in the cluster");
        }
        if (!signed.signedBy(key.get())) {
            return Admission.refused("bad signature for member " + signed.member());
        }
        if (ordered) {
            long last = lastNumbers.getOrDefault(signed.member(), Long.MIN_VALUE);
            if (signed.number() <= last) {
                return Admission.refused(STALE + last);
            }
            lastNumbers.put(signed.member(), signed.number());
        }
        Command command;
        try {
            command = CommandCodec.decode(signed.command());
        } catch (MalformedMessageException e) {
            return Admission.refused(e.getMessage());
        }
        Optional<String> node = members.node(signed.member());
        Optional<String> actor = command.actor();
        if (node.isPresent() && actor.isPresent() && !node.get().equals(actor.get())) {
            return Admission.refused(
                    "member " + signed.member() + " is node " + node.get() + " and may not act for " + actor.get());
        }
        return new Admission(signed.member(), command, Optional.empty());
    }

    void write(WireOutput out) {
        out.i32(lastNumbers.size());
        lastNumbers.forEach((member, number) -> out.i32(member).i64(number));
    }

    void read(WireInput in) {
        lastNumbers.clear();
        int n = in.count();
        for (int i = 0; i < n; i++) {
            lastNumbers.put(in.i32(), in.i64());
        }
    }

    Map<Integer, Long> lastNumbers() {
        return java.util.Collections.unmodifiableMap(lastNumbers);
    }
}
