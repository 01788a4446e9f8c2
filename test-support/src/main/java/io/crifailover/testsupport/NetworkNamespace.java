package io.crifailover.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A simulated host: a network namespace attached by a veth pair to a per-JVM host bridge,
 * with its own address on the test network {@code 10.211.<jvm slot>.0/24}. {@link #cutOff()}
 * drops all its traffic with iptables inside the namespace, like a cut cable.
 */
public final class NetworkNamespace implements AutoCloseable {
    private static HostBridge bridge;

    private final int slot;
    private final String name;
    private final String hostVeth;
    private final String address;

    private NetworkNamespace(int slot, String name, String hostVeth, String address) {
        this.slot = slot;
        this.name = name;
        this.hostVeth = hostVeth;
        this.address = address;
    }

    /** Creates the namespace; {@code label} only makes it easier to recognise in {@code ip netns}. */
    public static NetworkNamespace create(String label) {
        HostBridge br = hostBridge();
        int slot = SlotAllocator.acquire();
        String name =
                "crif-" + slot + "-" + label.replaceAll("[^a-zA-Z0-9]", "").toLowerCase();
        if (name.length() > 30) {
            name = name.substring(0, 30);
        }
        String hostVeth = "crv" + slot;
        String address = br.addressFor(slot);
        try {
            Shell.runOk("ip", "netns", "add", name);
            Shell.runOk("ip", "link", "add", hostVeth, "type", "veth", "peer", "name", "crp" + slot, "netns", name);
            Shell.runOk("ip", "link", "set", hostVeth, "master", br.name(), "up");
            nsexec(name, "ip", "link", "set", "lo", "up");
            nsexec(name, "ip", "link", "set", "crp" + slot, "name", "eth0");
            nsexec(name, "ip", "addr", "add", address + "/24", "dev", "eth0");
            nsexec(name, "ip", "link", "set", "eth0", "up");
            nsexec(name, "ip", "route", "add", "default", "via", br.gateway());
            nsexec(name, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        } catch (RuntimeException e) {
            Shell.run("ip", "link", "del", hostVeth);
            Shell.run("ip", "netns", "del", name);
            SlotAllocator.release(slot);
            throw e;
        }
        return new NetworkNamespace(slot, name, hostVeth, address);
    }

    /** The host's address on the test network: reachable from the host and from every namespace. */
    public static String hostAddress() {
        return hostBridge().gateway();
    }

    private static synchronized HostBridge hostBridge() {
        if (bridge == null) {
            bridge = HostBridge.create();
            Runtime.getRuntime().addShutdownHook(new Thread(bridge::close, "crif-bridge-del"));
        }
        return bridge;
    }

    /** Runs a command inside the namespace (network only; mount namespace and /sys untouched). */
    public Shell.Result exec(String... command) {
        return Shell.run(java.time.Duration.ofSeconds(60), nsenterArgs(name, command));
    }

    static java.util.List<String> nsenterArgs(String netns, String... command) {
        java.util.List<String> args = new java.util.ArrayList<>();
        args.add("nsenter");
        args.add("--net=" + path(netns));
        args.add("--");
        args.addAll(java.util.Arrays.asList(command));
        return args;
    }

    private static void nsexec(String netns, String... command) {
        Shell.run(java.time.Duration.ofSeconds(30), nsenterArgs(netns, command)).orThrow();
    }

    static Path path(String netns) {
        return Path.of("/run/netns", netns);
    }

    public String name() {
        return name;
    }

    public Path path() {
        return path(name);
    }

    /** The namespace's address on the test network. */
    public String address() {
        return address;
    }

    /**
     * Makes {@code 127.0.0.1:port} inside the namespace reach the host's {@code port} (DNAT to the
     * host bridge). containerd's restore pulls base images with its default resolver, which speaks
     * plain HTTP only to localhost, so node-local registries must answer on loopback.
     */
    public synchronized void forwardLoopbackPort(int port) {
        String p = Integer.toString(port);
        String host = hostBridge().gateway();
        if (exec(
                        "iptables",
                        "-t",
                        "nat",
                        "-C",
                        "OUTPUT",
                        "-d",
                        "127.0.0.1/32",
                        "-p",
                        "tcp",
                        "--dport",
                        p,
                        "-j",
                        "DNAT",
                        "--to-destination",
                        host + ":" + p)
                .ok()) {
            return;
        }
        exec("sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1").orThrow();
        exec(
                        "iptables",
                        "-t",
                        "nat",
                        "-A",
                        "OUTPUT",
                        "-d",
                        "127.0.0.1/32",
                        "-p",
                        "tcp",
                        "--dport",
                        p,
                        "-j",
                        "DNAT",
                        "--to-destination",
                        host + ":" + p)
                .orThrow();
        if (!exec(
                        "iptables",
                        "-t",
                        "nat",
                        "-C",
                        "POSTROUTING",
                        "-s",
                        "127.0.0.1/32",
                        "-o",
                        "eth0",
                        "-j",
                        "SNAT",
                        "--to-source",
                        address)
                .ok()) {
            exec(
                            "iptables",
                            "-t",
                            "nat",
                            "-A",
                            "POSTROUTING",
                            "-s",
                            "127.0.0.1/32",
                            "-o",
                            "eth0",
                            "-j",
                            "SNAT",
                            "--to-source",
                            address)
                    .orThrow();
        }
    }

    /**
     * Drops every packet in and out of the namespace's uplink (the node keeps running): its own
     * traffic (INPUT/OUTPUT) and its pods' traffic, which the namespace forwards (FORWARD).
     */
    public void cutOff() {
        for (String[] rule : CUT_RULES) {
            exec(concat("iptables", "-I", rule)).orThrow();
        }
    }

    /** Undoes {@link #cutOff()}. */
    public void reconnect() {
        for (String[] rule : CUT_RULES) {
            exec(concat("iptables", "-D", rule));
        }
    }

    private static final String[][] CUT_RULES = {
        {"INPUT", "-i", "eth0", "-j", "DROP"},
        {"OUTPUT", "-o", "eth0", "-j", "DROP"},
        {"FORWARD", "-i", "eth0", "-j", "DROP"},
        {"FORWARD", "-o", "eth0", "-j", "DROP"}
    };

    private static String[] concat(String command, String verb, String[] rule) {
        String[] all = new String[rule.length + 2];
        all[0] = command;
        all[1] = verb;
        System.arraycopy(rule, 0, all, 2, rule.length);
        return all;
    }

    public boolean exists() {
        return Files.exists(path());
    }

    @Override
    public void close() {
        Shell.run("ip", "link", "del", hostVeth);
        Shell.run("ip", "netns", "del", name);
        SlotAllocator.release(slot);
    }

    /** The per-JVM bridge all namespaces hang off. */
    private record HostBridge(int slot, String name) {
        static HostBridge create() {
            int slot = SlotAllocator.acquire();
            String name = "crh" + slot;
            Shell.run("ip", "link", "del", name);
            Shell.runOk("ip", "link", "add", name, "type", "bridge");
            Shell.runOk("ip", "addr", "add", "10.211." + slot + ".1/24", "dev", name);
            Shell.runOk("ip", "link", "set", name, "up");
            return new HostBridge(slot, name);
        }

        String gateway() {
            return "10.211." + slot + ".1";
        }

        String addressFor(int nsSlot) {
            // host numbers 2..251, one per namespace slot
            return "10.211." + slot + "." + (1 + nsSlot);
        }

        void close() {
            Shell.run("ip", "link", "del", name);
            SlotAllocator.release(slot);
        }
    }
}
