package io.crifailover.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.Mockito;

/** The store's access rules: who may pull and push, loopback or not. */
class AccessPolicyTest {
    @TempDir
    Path dir;

    RuntimeCredentials runtime;
    AccessPolicy policy;

    @BeforeEach
    void setUp() throws Exception {
        runtime = RuntimeCredentials.create(dir.resolve("runtime-credentials"));
        policy = new AccessPolicy(null, Map.of("admin", "pw"), runtime);
    }

    private static HttpExchange exchange(String host, String authorization) {
        HttpExchange ex = Mockito.mock(HttpExchange.class);
        Headers headers = new Headers();
        if (authorization != null) {
            headers.set("Authorization", authorization);
        }
        Mockito.when(ex.getRequestHeaders()).thenReturn(headers);
        Mockito.when(ex.getRemoteAddress()).thenReturn(new InetSocketAddress(host, 40_000));
        Mockito.when(ex.getRequestMethod()).thenReturn("GET");
        Mockito.when(ex.getRequestURI()).thenReturn(URI.create("/v2/ckpt/app/manifests/1"));
        return ex;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anonymousCallersMayNeitherPullNorPushEvenFromLoopback() throws Exception {
        for (String host : new String[] {"127.0.0.1", "::1", "10.0.0.7"}) {
            Caller c = policy.identify(exchange(host, null));
            assertThat(c.kind()).as(host).isEqualTo(Caller.Kind.ANONYMOUS);
            assertThat(c.mayPull()).as(host).isFalse();
            assertThat(c.mayPush()).as(host).isFalse();
        }
        Caller emptyBasic = policy.identify(exchange("127.0.0.1", basic("", "")));
        assertThat(emptyBasic.mayPull()).isFalse();
    }

    @Test
    void theRuntimeCredentialMayPullOnly() throws Exception {
        RuntimeCredentials.Credential c = runtime.current();
        Caller caller = policy.identify(exchange("127.0.0.1", basic(c.user(), c.password())));
        assertThat(caller.kind()).isEqualTo(Caller.Kind.RUNTIME);
        assertThat(caller.mayPull()).isTrue();
        assertThat(caller.mayPush()).isFalse();
    }

    @Test
    void usersMayPullAndPush() throws Exception {
        Caller caller = policy.identify(exchange("10.0.0.7", basic("admin", "pw")));
        assertThat(caller.kind()).isEqualTo(Caller.Kind.USER);
        assertThat(caller.mayPull()).isTrue();
        assertThat(caller.mayPush()).isTrue();
    }

    @Test
    void aRotationKeepsThePreviousCredentialUntilTheNextOne() throws Exception {
        RuntimeCredentials.Credential first = runtime.current();
        RuntimeCredentials.Credential second = runtime.rotate();
        assertThat(second.password()).isNotEqualTo(first.password());
        assertThat(policy.identify(exchange("127.0.0.1", basic(first.user(), first.password())))
                        .kind())
                .isEqualTo(Caller.Kind.RUNTIME);
        runtime.rotate();
        assertThatThrownBy(() -> policy.identify(exchange("127.0.0.1", basic(first.user(), first.password()))))
                .isInstanceOf(AuthenticationException.class);
        assertThat(policy.identify(exchange("127.0.0.1", basic(second.user(), second.password())))
                        .kind())
                .isEqualTo(Caller.Kind.RUNTIME);
    }

    @Test
    void wrongPasswordsAreRefused() {
        assertThatThrownBy(() -> policy.identify(exchange("127.0.0.1", basic(RuntimeCredentials.USER, "guess"))))
                .isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(() -> policy.identify(exchange("127.0.0.1", basic("admin", "guess"))))
                .isInstanceOf(AuthenticationException.class);
    }

    @Test
    void theCredentialFileIsPrivateAndHoldsTheCurrentCredential() throws Exception {
        Path file = dir.resolve("runtime-credentials");
        RuntimeCredentials.Credential c = runtime.rotate();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(AccessPolicy.loadUsers(file)).containsExactly(Map.entry(c.user(), c.password()));
        assertThat(c.toString()).doesNotContain(c.password());
    }
}
