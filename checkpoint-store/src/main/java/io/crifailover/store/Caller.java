package io.crifailover.store;

/** Who made a request, as decided by {@link AccessPolicy}. */
public record Caller(Kind kind, String name, boolean bodySigned) {
    /** How the caller authenticated, if at all. */
    public enum Kind {
        /** No credentials, from any address (loopback included): may do nothing. */
        ANONYMOUS,
        /** The node's own runtime with the shim's {@link RuntimeCredentials}: may pull only. */
        RUNTIME,
        /** An operator from the credentials file: may pull and push. */
        USER,
        /** A peer store (HMAC with the cluster key): may pull, push and replicate. */
        PEER
    }

    public boolean isAuthenticated() {
        return kind != Kind.ANONYMOUS;
    }

    /** Checkpoint images hold process memory: only authenticated callers read them. */
    public boolean mayPull() {
        return isAuthenticated();
    }

    public boolean mayPush() {
        return kind == Kind.USER || kind == Kind.PEER;
    }
}
