package io.crifailover.placement;

/**
 * What one replica knows about its own place in the BFT-SMaRt protocol (read from the library's leader-change and
 * execution state; no protocol message is sent to obtain it).
 *
 * @param regency          last regency (leader term) this replica installed
 * @param nextRegency      regency it is trying to install; greater than {@code regency} while it has sent STOP
 *                         and waits for a quorum to join the leader change
 * @param leader           replica id it currently takes for the leader
 * @param lastExecuted     last consensus id it executed (-1 before the first)
 * @param retrievingState  whether a state transfer is running
 * @param unproposed       whether it holds client requests not proposed yet
 */
public record ReplicaStatus(
        int regency, int nextRegency, int leader, int lastExecuted, boolean retrievingState, boolean unproposed) {
    /** True while this replica has asked for a leader change that no quorum joined yet. */
    public boolean inLeaderChange() {
        return nextRegency > regency;
    }

    /** One line: {@code regency next leader lastExecuted retrieving unproposed}. */
    public String line() {
        return regency + " " + nextRegency + " " + leader + " " + lastExecuted + " " + retrievingState + " "
                + unproposed;
    }

    static ReplicaStatus parse(String line) {
        String[] p = line.trim().split(" ");
        return new ReplicaStatus(
                Integer.parseInt(p[0]),
                Integer.parseInt(p[1]),
                Integer.parseInt(p[2]),
                Integer.parseInt(p[3]),
                Boolean.parseBoolean(p[4]),
                Boolean.parseBoolean(p[5]));
    }
}
