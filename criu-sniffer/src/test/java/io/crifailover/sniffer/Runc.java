package io.crifailover.sniffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** runc with a private state root; every container it ran is killed and deleted on close. */
final class Runc implements AutoCloseable {
    private static final long TIMEOUT_SECONDS = 120;
    private final Path root;
    private final Path logs;
    private final Map<String, String> env;
    private final Set<String> containers = new LinkedHashSet<>();
    private int calls;

    /** Exit code and combined output of one runc call. */
    record Result(int exitCode, String output) {}

    Runc(Path workDir, Map<String, String> env) throws IOException {
        this.root = Files.createDirectories(workDir.resolve("runc-root"));
        this.logs = Files.createDirectories(workDir.resolve("runc-logs"));
        this.env = env;
    }

    Result run(String... args) throws IOException, InterruptedException {
        Path log = logs.resolve("call-" + (++calls) + ".log");
        Path runcLog = logs.resolve("call-" + calls + ".runc.log");
        List<String> cmd = new ArrayList<>(List.of("runc", "--root", root.toString(), "--log", runcLog.toString()));
        cmd.addAll(List.of(args));
        // A detached container inherits runc's stdio: give it /dev/null (CRIU cannot dump a host log file as stdout).
        boolean detached = List.of(args).contains("--detach");
        for (String a : args) {
            if (a.startsWith("snf-")) {
                containers.add(a);
            }
        }
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(detached ? Path.of("/dev/null").toFile() : log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IOException("runc " + String.join(" ", args) + " did not finish in " + TIMEOUT_SECONDS + " s");
        }
        String out = (detached ? "" : Files.readString(log)) + (Files.exists(runcLog) ? Files.readString(runcLog) : "");
        return new Result(p.exitValue(), out);
    }

    Result ok(String... args) throws IOException, InterruptedException {
        Result r = run(args);
        if (r.exitCode() != 0) {
            throw new AssertionError(
                    "runc " + String.join(" ", args) + " failed (" + r.exitCode() + "): " + r.output());
        }
        return r;
    }

    @Override
    public void close() throws Exception {
        for (String id : containers) {
            run("kill", id, "KILL");
            run("delete", "--force", id);
        }
    }
}
