package io.crifailover.installer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code install --sync-service-account}: the host's copy of the pod's service-account credentials. */
class ServiceAccountSyncTest {

    static final URI SERVER = URI.create("https://10.96.0.1:443");
    static final String TOKEN_1 = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvbmUifQ.c2lnbmF0dXJlLW9uZQ";
    static final String TOKEN_2 = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0d28ifQ.c2lnbmF0dXJlLXR3bw";
    static final String CA = testCa();

    @TempDir
    Path dir;

    FakeHost host;
    Path serviceAccount;

    @BeforeEach
    void setUp() throws IOException {
        host = new FakeHost(dir).kubeletConfig(FakeHost.KUBEADM_CONFIG).socket("run/containerd/containerd.sock");
        serviceAccount = Files.createDirectories(dir.resolve("serviceaccount"));
        Files.writeString(serviceAccount.resolve("token"), TOKEN_1);
        Files.writeString(serviceAccount.resolve("ca.crt"), CA);
        Files.writeString(serviceAccount.resolve("namespace"), "cri-failover");
    }

    InstallSettings settings() {
        return InstallSettings.defaults(host.source).withApiAccess(new ApiAccess(SERVER, serviceAccount));
    }

    CredentialSync sync() {
        return new CredentialSync(new HostRoot(host.root), new ApiAccess(SERVER, serviceAccount));
    }

    @Test
    void installCopiesTokenAndCaWritesAKubeconfigAndUninstallsByteForByte() throws IOException {
        Map<String, String> before = host.snapshot();

        host.install(settings());

        assertThat(FileModes.mode(host.path(HostLayout.KUBE_DIR))).isEqualTo(0700);
        for (String file : List.of(HostLayout.KUBE_TOKEN, HostLayout.KUBE_CA, HostLayout.KUBECONFIG)) {
            assertThat(FileModes.mode(host.path(file))).as(file).isEqualTo(0600);
            assertThat(FileModes.uid(host.path(file))).as(file).isZero();
        }
        assertThat(host.read(HostLayout.KUBE_TOKEN)).isEqualTo(TOKEN_1);
        assertThat(host.read(HostLayout.KUBE_CA)).isEqualTo(CA);
        assertThat(host.read(HostLayout.SHIM_ENV))
                .contains("\nKUBECONFIG=/etc/cri-failover/kube/kubeconfig\n")
                .contains("\nCRI_FAILOVER_EXTRA_ARGS=\n");
        assertThat(FileModes.mode(host.path(HostLayout.CONFIG_DIR)))
                .as("only kube/ is private")
                .isEqualTo(0755);

        Config config = Config.fromKubeconfig(null, host.read(HostLayout.KUBECONFIG), HostLayout.KUBECONFIG);
        assertThat(config.getMasterUrl()).isEqualTo("https://10.96.0.1:443/");
        assertThat(config.getCaCertData())
                .isEqualTo(Base64.getEncoder().encodeToString(CA.getBytes(StandardCharsets.UTF_8)));
        assertThat(config.getCaCertFile()).isNull();
        assertThat(config.getAutoOAuthToken()).isEqualTo(TOKEN_1);
        assertThat(config.getNamespace()).isEqualTo("cri-failover");
        assertThat(config.isTrustCerts()).isFalse();

        host.uninstall();
        assertThat(host.snapshot()).isEqualTo(before);
    }

    @Test
    void rotatedTokenIsCopiedAtomicallyOnTheNextSyncAndOnlyWhenItChanged() throws IOException {
        host.install(settings());
        Object tokenInode = inode(HostLayout.KUBE_TOKEN);
        Object kubeconfigInode = inode(HostLayout.KUBECONFIG);

        CredentialSync.Result unchanged = sync().syncOnce();
        assertThat(unchanged.installed()).isTrue();
        assertThat(unchanged.changed()).isEmpty();
        assertThat(inode(HostLayout.KUBE_TOKEN)).as("not rewritten").isEqualTo(tokenInode);
        assertThat(inode(HostLayout.KUBECONFIG)).isEqualTo(kubeconfigInode);

        try (InputStream reader = Files.newInputStream(host.path(HostLayout.KUBE_TOKEN))) {
            Files.writeString(serviceAccount.resolve("token"), TOKEN_2); // kubelet rotated it
            CredentialSync.Result rotated = sync().syncOnce();

            assertThat(rotated.changed()).containsExactly(HostLayout.KUBE_TOKEN, HostLayout.KUBECONFIG);
            assertThat(new String(reader.readAllBytes(), StandardCharsets.UTF_8))
                    .as("a reader of the old file sees the whole old token: the new one was renamed into place")
                    .isEqualTo(TOKEN_1);
        }
        assertThat(inode(HostLayout.KUBE_TOKEN)).isNotEqualTo(tokenInode);
        assertThat(host.read(HostLayout.KUBE_TOKEN)).isEqualTo(TOKEN_2);
        assertThat(FileModes.mode(host.path(HostLayout.KUBE_TOKEN))).isEqualTo(0600);
        assertThat(FileModes.mode(host.path(HostLayout.KUBECONFIG))).isEqualTo(0600);
        assertThat(Config.fromKubeconfig(host.read(HostLayout.KUBECONFIG)).getAutoOAuthToken())
                .isEqualTo(TOKEN_2);
        try (Stream<Path> files = Files.list(host.path(HostLayout.KUBE_DIR))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("no temp files left")
                    .containsExactlyInAnyOrder("token", "ca.crt", "kubeconfig");
        }
        assertThat(sync().syncOnce().changed()).isEmpty();

        Files.writeString(serviceAccount.resolve("ca.crt"), CA + CA); // CA bundle during a CA rotation
        assertThat(sync().syncOnce().changed()).containsExactly(HostLayout.KUBE_CA, HostLayout.KUBECONFIG);
    }

    @Test
    void reinstallWithAFreshTokenDoesNotRestartTheShim() throws IOException {
        host.install(settings());
        Files.writeString(serviceAccount.resolve("token"), TOKEN_2);
        host.commands.clear();

        InstallReport again = host.install(settings());

        assertThat(again.changed()).containsExactly(HostLayout.KUBE_TOKEN, HostLayout.KUBECONFIG);
        assertThat(host.commands).containsExactly(List.of("systemctl", "start", "cri-failover.service"));
    }

    @Test
    void syncWritesNothingAfterUninstallOrAReinstallWithoutTheMode() throws IOException {
        Map<String, String> before = host.snapshot();
        host.install(settings());

        host.install(InstallSettings.defaults(host.source));
        assertThat(Files.exists(host.path(HostLayout.KUBE_DIR), LinkOption.NOFOLLOW_LINKS))
                .isFalse();
        assertThat(host.read(HostLayout.SHIM_ENV)).doesNotContain("KUBECONFIG");
        assertThat(host.commands).contains(List.of("systemctl", "restart", "cri-failover.service"));
        assertThat(sync().syncOnce()).isEqualTo(new CredentialSync.Result(false, List.of()));
        assertThat(Files.exists(host.path(HostLayout.KUBE_DIR), LinkOption.NOFOLLOW_LINKS))
                .isFalse();

        host.install(settings());
        host.uninstall();
        Files.writeString(serviceAccount.resolve("token"), TOKEN_2);
        assertThat(sync().syncOnce().installed()).isFalse();
        assertThat(host.snapshot()).isEqualTo(before);
    }

    @Test
    void missingServiceAccountFailsBeforeTouchingTheHost() throws IOException {
        String before = host.treeHash();
        Files.delete(serviceAccount.resolve("token"));

        assertThatThrownBy(() -> host.install(settings()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no service-account token at " + serviceAccount.resolve("token"));
        assertThat(host.treeHash()).isEqualTo(before);

        Files.writeString(serviceAccount.resolve("token"), "not a\ntoken");
        assertThatThrownBy(() -> host.install(settings())).hasMessageContaining("not a bearer token");
        assertThat(host.treeHash()).isEqualTo(before);
    }

    @Test
    void apiServerComesFromThePodEnvironment() {
        assertThat(ApiAccess.serverFromEnvironment(
                        Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1", "KUBERNETES_SERVICE_PORT", "443")))
                .isEqualTo(URI.create("https://10.96.0.1:443"));
        assertThat(ApiAccess.serverFromEnvironment(
                        Map.of("KUBERNETES_SERVICE_HOST", "fd00:10:96::1", "KUBERNETES_SERVICE_PORT", "6443")))
                .isEqualTo(URI.create("https://[fd00:10:96::1]:6443"));
        assertThatThrownBy(() -> ApiAccess.serverFromEnvironment(Map.of()))
                .hasMessageContaining("KUBERNETES_SERVICE_HOST is not set")
                .hasMessageContaining("--api-server");
        assertThatThrownBy(() -> new ApiAccess(URI.create("api.example.com"), serviceAccount))
                .hasMessageContaining("https://");
    }

    /** A real self-signed certificate (generated once with openssl for these tests). */
    static String testCa() {
        try (InputStream in = ServiceAccountSyncTest.class.getResourceAsStream("/ca.crt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Object inode(String hostPath) throws IOException {
        return Files.readAttributes(host.path(hostPath), "unix:ino", LinkOption.NOFOLLOW_LINKS)
                .get("ino");
    }
}
