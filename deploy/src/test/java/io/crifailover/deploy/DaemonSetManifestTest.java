package io.crifailover.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.failover.ClusterSettings;
import io.crifailover.failover.FailoverConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonSetManifestTest {

    static final Path MANIFEST = Path.of("daemonset.yaml");
    static List<HasMetadata> objects;

    @BeforeAll
    static void parse() throws IOException {
        try (InputStream in = Files.newInputStream(MANIFEST)) {
            Object parsed = new KubernetesSerialization().unmarshal(in);
            objects = parsed instanceof KubernetesList list ? list.getItems() : castList(parsed);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<HasMetadata> castList(Object parsed) {
        return (List<HasMetadata>) parsed;
    }

    @Test
    void holdsExactlyTheExpectedTypedObjects() {
        assertThat(objects)
                .extracting(o ->
                        o.getClass().getSimpleName() + "/" + o.getMetadata().getName())
                .containsExactly(
                        "Namespace/cri-failover",
                        "ServiceAccount/cri-failover",
                        "ClusterRole/cri-failover",
                        "ClusterRoleBinding/cri-failover",
                        "ConfigMap/cri-failover-cluster",
                        "DaemonSet/cri-failover-installer");
        objects.stream()
                .filter(o ->
                        !(o instanceof Namespace) && !(o instanceof ClusterRole) && !(o instanceof ClusterRoleBinding))
                .forEach(o -> assertThat(o.getMetadata().getNamespace())
                        .as(o.getKind())
                        .isEqualTo("cri-failover"));
        assertThat(one(Namespace.class).getMetadata().getLabels())
                .containsEntry("pod-security.kubernetes.io/enforce", "privileged");
    }

    @Test
    void clusterRoleGrantsExactlyTheListedVerbs() {
        Map<String, Set<String>> granted = new TreeMap<>();
        for (PolicyRule rule : one(ClusterRole.class).getRules()) {
            assertThat(rule.getApiGroups()).as("core API group only").containsExactly("");
            assertThat(rule.getResourceNames()).as("no per-name rules").isNullOrEmpty();
            assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
            for (String resource : rule.getResources()) {
                granted.computeIfAbsent(resource, r -> new TreeSet<>()).addAll(rule.getVerbs());
            }
        }
        assertThat(granted)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "nodes", Set.of("get", "list", "watch"),
                        "pods", Set.of("get", "list", "watch", "create", "delete"),
                        "events", Set.of("create")));
    }

    @Test
    void bindingGivesTheRoleToTheServiceAccount() {
        ClusterRoleBinding binding = one(ClusterRoleBinding.class);
        assertThat(binding.getRoleRef().getKind()).isEqualTo("ClusterRole");
        assertThat(binding.getRoleRef().getName())
                .isEqualTo(one(ClusterRole.class).getMetadata().getName());
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo("ServiceAccount");
            assertThat(s.getName())
                    .isEqualTo(one(ServiceAccount.class).getMetadata().getName());
            assertThat(s.getNamespace()).isEqualTo("cri-failover");
        });
    }

    @Test
    void configMapIsReadByTheShimsOwnParser() throws IOException {
        String settings = one(ConfigMap.class).getData().get("cluster.yaml");

        ClusterSettings shipped = ClusterSettings.parse(settings, "ConfigMap cri-failover-cluster");

        assertThat(shipped.f()).isEqualTo(1);
        assertThat(List.of(shipped.placementPort(), shipped.storePort(), shipped.probePort()))
                .containsExactly(11000, 5050, 7070);
        assertThat(shipped.members()).as("the operator lists the nodes").isEmpty();
        assertThat(shipped.resolvedTiming())
                .as("the documented timing is the shim's default")
                .isEqualTo(FailoverConfig.Timing.defaults());
    }

    @Test
    void configMapWithTheCommentedMembersFilledInGivesEveryNodeItsConfiguration() throws IOException {
        String settings = one(ConfigMap.class).getData().get("cluster.yaml");
        String filled = settings.replace("members: []\n", "")
                .replace("# members:", "members:")
                .replaceAll("(?m)^#   - \\{", "  - {");

        ClusterSettings cluster = ClusterSettings.parse(filled, "filled ConfigMap");

        assertThat(cluster.members())
                .extracting(FailoverConfig.Member::name)
                .containsExactly("node-a", "node-b", "node-c", "node-d");
        FailoverConfig b =
                cluster.forNode("node-b", Path.of("/var/lib/cri-failover"), Path.of("/k"), null, List.of(), 1);
        assertThat(b.nodeAddress()).isEqualTo("10.0.0.12");
    }

    @Test
    void installerRunsPrivilegedWithTheHostRootOnSelectedNodesOnly() {
        DaemonSet daemonSet = one(DaemonSet.class);
        PodSpec pod = daemonSet.getSpec().getTemplate().getSpec();
        assertThat(daemonSet.getSpec().getSelector().getMatchLabels())
                .isEqualTo(daemonSet.getSpec().getTemplate().getMetadata().getLabels());
        assertThat(pod.getServiceAccountName()).isEqualTo("cri-failover");
        assertThat(pod.getHostPID())
                .as("nsenter -t 1 needs the host PID namespace")
                .isTrue();
        assertThat(pod.getNodeSelector()).containsEntry("cri-failover.io/install", "true");
        assertThat(pod.getTolerations()).isNotEmpty();

        Container installer = pod.getContainers().stream()
                .collect(Collectors.collectingAndThen(Collectors.toList(), l -> {
                    assertThat(l).hasSize(1);
                    return l.get(0);
                }));
        assertThat(installer.getSecurityContext().getPrivileged()).isTrue();
        String commandLine = String.join(" ", installer.getCommand()) + " " + String.join(" ", installer.getArgs());
        assertThat(commandLine)
                .contains(
                        "cri-failover install --host-root=/host",
                        "--cluster-config=/etc/cri-failover-cluster/cluster.yaml",
                        "--cluster-key-file=/etc/cri-failover-cluster-key/key",
                        "--sync-service-account")
                .doesNotContain("sleep");
        assertThat(pod.getAutomountServiceAccountToken())
                .as("the host shim gets this pod's token")
                .isNotEqualTo(false);
        assertThat(installer.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("NODE_NAME");
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
        });
        assertThat(installer.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getMountPath()).isEqualTo("/host");
            assertThat(m.getName()).isEqualTo("host");
        });
        Volume host = pod.getVolumes().stream()
                .filter(v -> v.getName().equals("host"))
                .findFirst()
                .orElseThrow();
        assertThat(host.getHostPath().getPath()).isEqualTo("/");
        Volume settings = pod.getVolumes().stream()
                .filter(v -> v.getName().equals("cluster-config"))
                .findFirst()
                .orElseThrow();
        assertThat(settings.getConfigMap().getName())
                .isEqualTo(one(ConfigMap.class).getMetadata().getName());
        Volume key = pod.getVolumes().stream()
                .filter(v -> v.getName().equals("cluster-key"))
                .findFirst()
                .orElseThrow();
        assertThat(key.getSecret().getSecretName()).isEqualTo("cri-failover-cluster-key");
        assertThat(key.getSecret().getDefaultMode()).isEqualTo(0400);
        assertThat(installer.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getMountPath()).isEqualTo("/etc/cri-failover-cluster-key");
            assertThat(m.getName()).isEqualTo("cluster-key");
        });
    }

    /**
     * The installer container's own args (mount paths mapped to temp dirs holding the ConfigMap, with
     * members filled in, and a Secret key) install a failover service on a member node.
     */
    @Test
    void theDaemonSetsArgsInstallTheShimWithFailoverOnAMember(@TempDir Path dir) throws IOException {
        Container installer = one(DaemonSet.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0);
        Path host = Files.createDirectories(dir.resolve("host"));
        for (String d : List.of("run/systemd/system", "etc/systemd/system", "var/lib/kubelet")) {
            Files.createDirectories(host.resolve(d));
        }
        Files.writeString(
                host.resolve("var/lib/kubelet/config.yaml"),
                "kind: KubeletConfiguration\ncontainerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n");
        Path source = Files.createDirectories(dir.resolve("image/opt/cri-failover"));
        for (String f : List.of("bin/cri-failover", "jre/bin/java", "app/libs/shim.jar")) {
            Files.createDirectories(source.resolve(f).getParent());
            Files.writeString(source.resolve(f), "x");
        }
        Map<String, Path> mounts = new TreeMap<>();
        for (var m : installer.getVolumeMounts()) {
            mounts.put(
                    m.getMountPath(),
                    m.getMountPath().equals("/host")
                            ? host
                            : Files.createDirectories(dir.resolve("mount" + mounts.size())));
        }
        String settings = one(ConfigMap.class).getData().get("cluster.yaml");
        Files.writeString(
                mounts.get("/etc/cri-failover-cluster").resolve("cluster.yaml"),
                settings.replace("members: []\n", "")
                        .replace("# members:", "members:")
                        .replaceAll("(?m)^#   - \\{", "  - {"));
        Files.writeString(
                mounts.get("/etc/cri-failover-cluster-key").resolve("key"),
                java.util.Base64.getEncoder().encodeToString(new byte[32]));
        List<String> args = new java.util.ArrayList<>();
        for (String arg : installer.getArgs().subList(1, installer.getArgs().size())) {
            if (arg.equals("--sync-service-account")) {
                continue; // needs the pod's token and never returns; ServiceAccountSyncTest covers it
            }
            int eq = arg.indexOf('=');
            String value = arg.substring(eq + 1);
            String mapped = arg;
            for (Map.Entry<String, Path> m : mounts.entrySet()) {
                if (value.equals(m.getKey()) || value.startsWith(m.getKey() + "/")) {
                    mapped = arg.substring(0, eq + 1)
                            + m.getValue()
                            + value.substring(m.getKey().length());
                }
            }
            args.add(mapped);
        }
        args.addAll(List.of("--host-exec=none", "--source=" + source, "--node-name=node-b"));
        assertThat(installer.getArgs().get(0)).isEqualTo("install");

        int exit = new picocli.CommandLine(new io.crifailover.installer.InstallCommand())
                .execute(args.toArray(String[]::new));

        assertThat(exit).as("install %s", args).isZero();
        assertThat(Files.readString(host.resolve("etc/systemd/system/cri-failover.service")))
                .contains(" --cluster /etc/cri-failover/cluster.yaml --cluster-key /etc/cri-failover/keys/cluster.key"
                        + " --node-name ${NODE_NAME} ");
        assertThat(Files.readString(host.resolve("etc/cri-failover/shim.env"))).contains("NODE_NAME=node-b\n");
        assertThat(Files.getPosixFilePermissions(host.resolve("etc/cri-failover/keys/cluster.key")))
                .containsExactlyInAnyOrder(
                        java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    }

    private static <T extends HasMetadata> T one(Class<T> type) {
        List<T> matches =
                objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(matches).as(type.getSimpleName()).hasSize(1);
        return matches.get(0);
    }
}
