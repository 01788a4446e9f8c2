package io.crifailover.placement;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * BFT-SMaRt 0.0.8 opens the replica-to-replica port with {@code new ServerSocket(port)}, on every interface, and
 * offers no setting for the address. As soon as the library's listener thread ({@code ServersCommunicationLayer})
 * exists in the replica's thread group, this replaces its server socket (private field {@code serverSocket}) by a
 * {@link MemberOnlyServerSocket} bound to the member's cluster address: the wildcard socket is open only for the
 * milliseconds in between. The client port needs nothing: the library binds it to the host in hosts.config.
 */
final class ReplicaPortBinder {
    private static final String LISTENER_CLASS = "bftsmart.communication.server.ServersCommunicationLayer";

    private ReplicaPortBinder() {}

    /**
     * Waits at most {@code within} for the listener thread in {@code threads}, then rebinds its port to {@code
     * address}.
     *
     * @throws IOException when the listener never appeared or the port could not be rebound
     */
    static void rebind(
            ThreadGroup threads,
            InetSocketAddress address,
            MemberKeys members,
            int self,
            Duration within,
            BooleanSupplier stillStarting)
            throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        Optional<Thread> listener = find(threads);
        while (listener.isEmpty()) {
            if (System.nanoTime() - deadline > 0 || !stillStarting.getAsBoolean()) {
                throw new IOException("no BFT-SMaRt replica listener appeared within " + within.toMillis() + " ms");
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for the replica listener", e);
            }
            listener = find(threads);
        }
        swap(listener.get(), address, members, self);
    }

    private static Optional<Thread> find(ThreadGroup threads) {
        Thread[] all = new Thread[threads.activeCount() + 16];
        int n = threads.enumerate(all, true);
        return Arrays.stream(all, 0, n)
                .filter(t -> t.getClass().getName().equals(LISTENER_CLASS))
                .findFirst();
    }

    private static void swap(Thread listener, InetSocketAddress address, MemberKeys members, int self)
            throws IOException {
        try {
            Field field = listener.getClass().getDeclaredField("serverSocket");
            field.setAccessible(true);
            // set before the thread was started, so visible here
            ServerSocket wildcard = (ServerSocket) field.get(listener);
            if (wildcard == null) {
                throw new IOException("BFT-SMaRt replica listener has no server socket");
            }
            MemberOnlyServerSocket bound = new MemberOnlyServerSocket(members, self);
            bound.setSoTimeout(wildcard.getSoTimeout());
            // the listener picks the new socket up on its next accept (it waits there until it is bound)
            field.set(listener, bound);
            wildcard.close();
            bound.bindTo(address);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IOException("BFT-SMaRt's replica listener is not the expected 0.0.8 class: " + e, e);
        }
    }
}
