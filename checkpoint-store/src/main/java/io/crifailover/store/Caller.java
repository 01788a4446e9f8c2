package io.crifailover.store;

/** Who made a request, as decided by {@link AccessPolicy}. */
public record Caller(Kind kind, String name, boolean bodySigned) {
    public enum Kind {
        ANONYMOUS_LOOPBACK,
        ANONYMOUS_REMOTE,
        USER,
        PEER
    }

    public boolean isAuthenticated() {
        return kind == Kind.USER || kind == Kind.PEER;
    }

    public boolean mayPull() {
        return kind != Kind.ANONYMOUS_REMOTE;
    }
}
