package io.crifailover.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.crifailover.protos.cri.ListContainersRequest;
import io.crifailover.protos.cri.ListPodSandboxRequest;
import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.StatusRequest;
import io.crifailover.protos.cri.VersionRequest;
import io.crifailover.testsupport.TestImages;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** 64 kubelet-like clients hammer the shim for 30 s: no error, and nothing leaks. */
@Tag("integration")
class ConcurrentClientsIntegrationTest {

    private static final int CLIENTS = 64;

    @Test
    void sixtyFourClientsForThirtySecondsWithoutErrorsOrLeaks() throws Exception {
        try (ShimUnderTest s = ShimUnderTest.start("load-it")) {
            var pod = s.direct.podConfig("load", Map.of());
            String podId = s.direct.runPod(pod);
            s.direct.startContainer(s.direct.createContainer(
                    podId, pod, "counter", TestImages.shared().counterImage()));

            runClients(s, Duration.ofSeconds(1));
            int threadsBefore = Thread.activeCount();
            long fdsBefore = openFds();

            Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
            long calls = runClients(s, Duration.ofSeconds(30), errors);

            assertThat(errors).isEmpty();
            assertThat(calls).isGreaterThan(CLIENTS * 30L);
            System.out.printf(
                    "%d calls by %d clients in 30 s (%d/s); threads %d, fds %d before%n",
                    calls, CLIENTS, calls / 30, threadsBefore, fdsBefore);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(Thread.activeCount()).isLessThanOrEqualTo(threadsBefore + 2);
                assertThat(openFds()).isLessThanOrEqualTo(fdsBefore + 4);
            });
            assertThat(s.shim.meterRegistry()
                            .find("cri.shim.calls")
                            .tag("code", "OK")
                            .timers())
                    .isNotEmpty();
            assertThat(s.shim.meterRegistry().find("cri.shim.calls").timers())
                    .allSatisfy(
                            timer -> assertThat(timer.getId().getTag("code")).isEqualTo("OK"));
        }
    }

    private static long runClients(ShimUnderTest s, Duration duration) throws Exception {
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        long calls = runClients(s, duration, errors);
        assertThat(errors).isEmpty();
        return calls;
    }

    private static long runClients(ShimUnderTest s, Duration duration, Queue<Throwable> errors) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<ManagedChannel> channels = new ArrayList<>();
        AtomicLong calls = new AtomicLong();
        try {
            long end = System.nanoTime() + duration.toNanos();
            List<Future<?>> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                ManagedChannel channel = UnixChannels.open(s.shim.socket());
                channels.add(channel);
                var stub = RuntimeServiceGrpc.newBlockingStub(channel);
                clients.add(pool.submit(() -> {
                    while (System.nanoTime() < end && errors.isEmpty()) {
                        try {
                            var r = stub.withDeadlineAfter(10, TimeUnit.SECONDS);
                            r.version(VersionRequest.getDefaultInstance());
                            r.listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
                            r.listContainers(ListContainersRequest.getDefaultInstance());
                            r.status(StatusRequest.getDefaultInstance());
                            calls.addAndGet(4);
                        } catch (RuntimeException e) {
                            errors.add(e);
                        }
                    }
                }));
            }
            for (Future<?> client : clients) {
                client.get(duration.toSeconds() + 60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            for (ManagedChannel channel : channels) {
                UnixChannels.close(channel);
            }
        }
        return calls.get();
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
