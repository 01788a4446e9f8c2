package io.crifailover.shim.transport;

/** Who is on the other end of a unix socket connection, as reported by the kernel (SO_PEERCRED). */
public record PeerIdentity(int pid, int uid, int gid) {}
