package io.crifailover.installer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shim's access to the Kubernetes API, taken from the installer pod's service account: which
 * host files hold it ({@value HostLayout#KUBE_TOKEN}, {@value HostLayout#KUBE_CA},
 * {@value HostLayout#KUBECONFIG}) and what they contain right now.
 *
 * <p>The kubeconfig carries the token and the CA inline: fabric8 6.x ignores a kubeconfig's
 * {@code tokenFile}, but re-reads the kubeconfig named by {@code KUBECONFIG} when a minute has passed
 * since it last did and after every 401, so rewriting it when the token rotates is what makes the
 * running shim use the new token. Inline, the file is self-contained (any loader, any working
 * directory); the separate token and CA files are for other tools ({@code curl}, {@code kubectl --token}).
 *
 * @param server            the API server URL the shim connects to
 * @param serviceAccountDir the pod's projected service-account directory (token, ca.crt, namespace)
 */
public record ApiAccess(URI server, Path serviceAccountDir) {

    /** Where kubelet mounts a pod's service-account token. */
    public static final String DEFAULT_SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
    /** Name of the kubeconfig's cluster, user and context. */
    static final String NAME = "cri-failover";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    public ApiAccess {
        String scheme = server.getScheme();
        if (scheme == null || !List.of("https", "http").contains(scheme) || server.getHost() == null) {
            throw new IllegalArgumentException(
                    "API server must be an https:// (or http://) URL with a host, got '" + server + "'");
        }
    }

    /** The server pods reach the API at: {@code https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT}. */
    public static URI serverFromEnvironment(Map<String, String> env) {
        String host = env.get("KUBERNETES_SERVICE_HOST");
        String port = env.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("KUBERNETES_SERVICE_HOST is not set (not in a pod?): pass --api-server");
        }
        String bracketed = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        try {
            return new URI("https://" + bracketed + ":" + port);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("bad KUBERNETES_SERVICE_HOST/PORT: " + e.getMessage(), e);
        }
    }

    /** The host files and their wanted bytes, read from the service-account directory now. */
    Map<String, byte[]> hostFiles() throws IOException {
        byte[] token = read("token");
        byte[] ca = read("ca.crt");
        String tokenText = new String(token, StandardCharsets.UTF_8).strip();
        if (tokenText.isEmpty() || !tokenText.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IOException("service-account token in " + serviceAccountDir + " is empty or not a bearer token");
        }
        Path namespaceFile = serviceAccountDir.resolve("namespace");
        String namespace = Files.isRegularFile(namespaceFile)
                ? Files.readString(namespaceFile).strip()
                : "";
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(HostLayout.KUBE_CA, ca);
        files.put(HostLayout.KUBE_TOKEN, token);
        files.put(HostLayout.KUBECONFIG, kubeconfig(tokenText, ca, namespace));
        return files;
    }

    byte[] kubeconfig(String token, byte[] ca, String namespace) throws JsonProcessingException {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("cluster", NAME);
        context.put("user", NAME);
        if (!namespace.isEmpty()) {
            context.put("namespace", namespace);
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("apiVersion", "v1");
        config.put("kind", "Config");
        config.put(
                "clusters",
                List.of(Map.of(
                        "name",
                        NAME,
                        "cluster",
                        Map.of(
                                "server",
                                server.toString(),
                                "certificate-authority-data",
                                Base64.getEncoder().encodeToString(ca)))));
        config.put("users", List.of(Map.of("name", NAME, "user", Map.of("token", token))));
        config.put("contexts", List.of(Map.of("name", NAME, "context", context)));
        config.put("current-context", NAME);
        String header = String.join(
                "\n",
                "# Written by `cri-failover install --sync-service-account`; `cri-failover uninstall` removes it.",
                "# The installer pod's service-account token, rewritten (atomically) whenever kubelet rotates it;",
                "# the shim reads this file through KUBECONFIG and re-reads it at least once a minute.",
                "");
        return (header + YAML.writeValueAsString(config)).getBytes(StandardCharsets.UTF_8);
    }

    private byte[] read(String name) throws IOException {
        Path file = serviceAccountDir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IOException("no service-account " + name + " at " + file
                    + " (is automountServiceAccountToken off, or --service-account-dir wrong?)");
        }
        return Files.readAllBytes(file);
    }
}
