package io.crifailover.failover;

import io.crifailover.placement.Xsave;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks CRIU itself whether this node can checkpoint, each step under a hard time limit (a CRIU that hangs here would
 * hang every checkpoint): {@code criu --version}, {@code criu check} (the kernel features dump and restore need),
 * {@code criu check --feature} for a few features that matter to this project (reported, not required), and
 * {@code criu cpuinfo dump}, whose image holds the xsave facts CRIU compares on restore. Ready means: {@code criu
 * check} passed, the cpuinfo image was read (on x86), and a CRIU older than 4.2 has working hardware breakpoints
 * (older versions wait for ever on a breakpoint that never fires where they do not work, e.g. in some VMs).
 */
public final class CriuSelfCheck {
    private static final Logger LOG = LoggerFactory.getLogger(CriuSelfCheck.class);
    private static final Pattern VERSION = Pattern.compile("Version:\\s*(\\d+)\\.(\\d+)(?:\\.(\\d+))?");
    /** Features reported on the status page; none of them is required. */
    static final List<String> FEATURES = List.of("breakpoints", "tcp_half_closed", "timens");
    /** CRIU compares xsave facts on x86 only; elsewhere its cpuinfo image is not needed. */
    private static final boolean X86 = io.crifailover.placement.CpuInfo.kernelArch(System.getProperty("os.arch"))
            .equals("x86_64");

    private final String criu;
    private final ProcessRunner runner;
    private final Duration limit;
    private final Path workDir;
    private final Clock clock;
    private final Xsave xsaveOverride;

    /**
     * @param criu          the CRIU binary (a name looked up on PATH, as runc does, or a path)
     * @param limit         time limit of each step
     * @param workDir       private directory for the cpuinfo image
     * @param xsaveOverride published instead of the measured xsave facts (testing), or null
     */
    public CriuSelfCheck(
            String criu, ProcessRunner runner, Duration limit, Path workDir, Clock clock, Xsave xsaveOverride) {
        this.criu = criu;
        this.runner = runner;
        this.limit = limit;
        this.workDir = workDir;
        this.clock = clock;
        this.xsaveOverride = xsaveOverride;
    }

    /** Runs all checks; never throws. */
    public CriuReadiness run() {
        List<CriuReadiness.Check> checks = new ArrayList<>();
        ProcessRunner.Outcome version = step(checks, "criu --version", true, List.of(criu, "--version"));
        String versionText = parseVersion(version.output()).orElse("");
        ProcessRunner.Outcome check = step(checks, "criu check", true, List.of(criu, "check"));
        boolean breakpointsWork = true;
        for (String feature : FEATURES) {
            ProcessRunner.Outcome f = step(
                    checks, "criu check --feature " + feature, false, List.of(criu, "check", "--feature", feature));
            if (feature.equals("breakpoints")) {
                breakpointsWork = f.succeeded();
            }
        }
        CriuCpuinfoImage.Cpu cpu = new CriuCpuinfoImage.Cpu(Xsave.UNKNOWN, "");
        String cpuProblem = "";
        try {
            Path dir = Files.createTempDirectory(workDir, "criu-cpuinfo-");
            try {
                ProcessRunner.Outcome dump =
                        step(checks, "criu cpuinfo dump", true, List.of(criu, "cpuinfo", "dump", "-D", dir.toString()));
                if (dump.succeeded()) {
                    cpu = CriuCpuinfoImage.parse(Files.readAllBytes(dir.resolve("cpuinfo.img")));
                } else {
                    cpuProblem = "criu cpuinfo dump " + describe(dump);
                }
            } finally {
                Directories.deleteTree(dir);
            }
        } catch (IOException | IllegalArgumentException e) {
            cpuProblem = "cpuinfo image unreadable: " + e.getMessage();
            checks.add(new CriuReadiness.Check("read cpuinfo image", false, true, e.getMessage(), 0));
        }

        String reason = "";
        if (!version.succeeded()) {
            reason = "criu --version " + describe(version);
        } else if (!check.succeeded()) {
            reason = "criu check " + describe(check);
        } else if (!cpuProblem.isEmpty()) {
            reason = cpuProblem;
        } else if (!breakpointsWork && olderThan(versionText, 4, 2)) {
            reason = "CRIU " + versionText + " needs working hardware breakpoints and they do not work here "
                    + "(CRIU 4.2 falls back to syscall tracing): install CRIU 4.2 or newer";
        }
        Xsave xsave = xsaveOverride != null ? xsaveOverride : cpu.xsave();
        CriuReadiness result = new CriuReadiness(
                reason.isEmpty() ? CriuReadiness.State.READY : CriuReadiness.State.NOT_READY,
                reason,
                versionText,
                checks,
                xsave,
                cpu.model(),
                clock.instant());
        if (result.ready()) {
            LOG.info(
                    "CRIU {} can checkpoint on this node: xsave {}{} ({})",
                    versionText,
                    xsave,
                    xsaveOverride != null ? " (overridden, measured " + cpu.xsave() + ")" : "",
                    cpu.model());
        } else {
            LOG.error("CRIU cannot checkpoint on this node, protected pods stay unprotected: {}", reason);
        }
        return result;
    }

    private ProcessRunner.Outcome step(
            List<CriuReadiness.Check> checks, String name, boolean required, List<String> command) {
        ProcessRunner.Outcome o = runner.run(command, workDir, limit);
        checks.add(new CriuReadiness.Check(
                name, o.succeeded(), required, o.output(), o.took().toMillis()));
        LOG.info(
                "{}: {} in {} ms: {}",
                name,
                o.succeeded() ? "ok" : "FAILED",
                o.took().toMillis(),
                o.output());
        return o;
    }

    private String describe(ProcessRunner.Outcome o) {
        if (o.timedOut()) {
            return "did not finish within " + limit.toMillis() + " ms";
        }
        return "failed (exit " + o.exitCode() + "): " + o.output();
    }

    static Optional<String> parseVersion(String output) {
        Matcher m = VERSION.matcher(output);
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(m.group(1) + "." + m.group(2) + (m.group(3) == null ? "" : "." + m.group(3)));
    }

    static boolean olderThan(String version, int major, int minor) {
        Matcher m = VERSION.matcher("Version: " + version);
        if (!m.find()) {
            return true;
        }
        int ma = Integer.parseInt(m.group(1));
        int mi = Integer.parseInt(m.group(2));
        return ma < major || (ma == major && mi < minor);
    }
}
