package io.crifailover.shim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crifailover.shim.metrics.MetricsToken;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cri-failover status}: protected containers, their checkpoints and the cluster's verdicts. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Show protected containers, their checkpoints, and the cluster's verdicts.",
            "Reads the local shim's status page: each protected container's last checkpoint and the nodes",
            "holding it, every node's verdict and epoch, and the restore decisions placement agreed on.",
            "The page asks for the shim's metrics token, which only root can read: run it as root."
        })
public final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--address",
            paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:9464",
            description = "The shim's metrics address. Default: ${DEFAULT-VALUE}")
    String address;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            defaultValue = "/run/cri-failover/" + MetricsToken.FILE_NAME,
            description = "The shim's metrics token (beside its --listen socket). Default: ${DEFAULT-VALUE}")
    Path tokenFile;

    @Option(names = "--json", description = "Print the raw JSON.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        String body;
        String token;
        try {
            token = Files.readString(tokenFile).trim();
        } catch (IOException e) {
            spec.commandLine()
                    .getErr()
                    .println("cri-failover status: cannot read the token " + tokenFile + " (run as root): " + e);
            return 1;
        }
        try {
            HttpResponse<String> r = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://" + address + "/status"))
                                    .header("Authorization", "Bearer " + token)
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                spec.commandLine()
                        .getErr()
                        .println("cri-failover status: " + address + " answered " + r.statusCode()
                                + " (is the shim running with --cluster?)");
                return 1;
            }
            body = r.body();
        } catch (IOException e) {
            spec.commandLine().getErr().println("cri-failover status: no shim at " + address + ": " + e.getMessage());
            return 1;
        }
        if (json) {
            out.println(body);
            return 0;
        }
        try {
            print(new ObjectMapper().readTree(body), out);
        } catch (IOException e) {
            spec.commandLine().getErr().println("cri-failover status: unreadable answer: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    static void print(JsonNode s, PrintWriter out) {
        out.printf(
                "node %s (%s)  protection %s%s%n",
                s.path("node").asText(),
                s.path("address").asText(),
                s.path("optedIn").asBoolean() ? "enabled" : "disabled (node not annotated)",
                s.path("fenced").asBoolean() ? "  FENCED: no placement quorum" : "");
        out.println();
        out.printf(
                "%-48s %6s %-24s %9s %8s  %s%n",
                "PROTECTED CONTAINER", "SEQ", "LAST CHECKPOINT", "SIZE KiB", "FROZEN", "HOLDERS");
        for (JsonNode c : s.path("protected")) {
            out.printf(
                    "%-48s %6s %-24s %9s %8s  %s%n",
                    c.path("key").asText(c.path("containerId").asText()),
                    c.path("lastSequence").asText("-"),
                    c.path("lastAt").asText("-"),
                    c.has("layerBytes") ? Long.toString(c.path("layerBytes").asLong() >> 10) : "-",
                    c.has("criuFrozenMs") ? c.path("criuFrozenMs").asText() + "ms" : "-",
                    String.join(",", iterable(c.path("holders"))));
        }
        out.println();
        out.printf("%-16s %-8s %6s %8s%n", "NODE", "VERDICT", "EPOCH", "LOAD");
        for (JsonNode n : s.path("cluster")) {
            out.printf(
                    "%-16s %-8s %6d %4d/%-3d%n",
                    n.path("name").asText(),
                    n.path("status").asText(),
                    n.path("epoch").asLong(),
                    n.path("load").asInt(),
                    n.path("capacity").asInt());
        }
        if (s.has("clusterViewAgeMs")) {
            out.printf(
                    "(cluster as placement saw it at %s, %.1f s ago)%n",
                    s.path("clusterViewAt").asText(), s.path("clusterViewAgeMs").asLong() / 1000.0);
        }
        if (s.has("clusterError")) {
            out.println("placement unreachable: " + s.path("clusterError").asText());
        }
        if (!s.path("decisions").isEmpty()) {
            out.println();
            out.printf("%-48s %-10s %-10s %-18s %s%n", "RESTORE DECISION", "FAILED", "TARGET", "STATUS", "REASON");
            for (JsonNode d : s.path("decisions")) {
                out.printf(
                        "%-48s %-10s %-10s %-18s %s%n",
                        d.path("container").asText(),
                        d.path("failedNode").asText(),
                        d.path("target").asText(),
                        d.path("status").asText(),
                        d.path("reason").asText());
            }
        }
        out.flush();
    }

    private static java.util.List<String> iterable(JsonNode array) {
        java.util.List<String> values = new java.util.ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
