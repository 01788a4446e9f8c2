package io.crifailover.placement;

import bftsmart.communication.client.CommunicationSystemClientSide;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconnects the library client's channel to a replica as soon as that replica is reachable again. BFT-SMaRt
 * 0.0.8's Netty client connects to every replica once, when it is built, and after a failed or lost connection tries
 * again only from a timer tens of seconds later: a client built while a replica was still starting, or a replica
 * that was just restarted by its supervisor ({@link ReplicaProcess}), stays out of the client's reach for that long,
 * and one more replica down leaves fewer than the replies a request needs. When the {@link ReplicaLivenessProbe}
 * reaches a replica whose channel is not active, this drops that session (under the library's own lock) and asks the
 * library to connect the sessions it lacks ({@code updateConnections}, the call it makes after a view change). If the
 * library is not the expected 0.0.8 shape nothing is done (logged once) and its own timer reconnects.
 */
final class ClientChannels {
    private static final Logger LOG = LoggerFactory.getLogger(ClientChannels.class);
    /** At most one reconnect per replica this often. */
    private static final long RETRY_NANOS = 1_000_000_000L;

    private final CommunicationSystemClientSide library;
    private final Map<Integer, Object> sessions;
    private final ReentrantReadWriteLock lock;
    private final Method channelOf;
    private final Map<Integer, Long> lastAttempt = new ConcurrentHashMap<>();

    private ClientChannels(
            CommunicationSystemClientSide library,
            Map<Integer, Object> sessions,
            ReentrantReadWriteLock lock,
            Method channelOf) {
        this.library = library;
        this.sessions = sessions;
        this.lock = lock;
        this.channelOf = channelOf;
    }

    /** The channels of {@code library}'s client side; null (logged) if its fields are not the expected ones. */
    @SuppressWarnings("unchecked")
    static ClientChannels of(CommunicationSystemClientSide library) {
        try {
            Field table = field(library.getClass(), "sessionTable");
            Field rl = field(library.getClass(), "rl");
            Class<?> session = Class.forName("bftsmart.communication.client.netty.NettyClientServerSession");
            Method channel = session.getMethod("getChannel");
            return new ClientChannels(
                    library,
                    (Map<Integer, Object>) table.get(library),
                    (ReentrantReadWriteLock) rl.get(library),
                    channel);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("BFT-SMaRt's client is not the expected 0.0.8 shape ({}); its own timer reconnects", e.toString());
            return null;
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f;
            } catch (NoSuchFieldException next) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(name);
    }

    /** Replica {@code id} accepts connections: reconnect its channel if it is not active. */
    void reachable(int id) {
        Object session = sessions.get(id);
        if (session == null || active(session)) {
            return;
        }
        long now = System.nanoTime();
        Long last = lastAttempt.get(id);
        if (last != null && now - last < RETRY_NANOS) {
            return;
        }
        lastAttempt.put(id, now);
        lock.writeLock().lock();
        try {
            if (!sessions.remove(id, session)) {
                return;
            }
            library.updateConnections();
        } finally {
            lock.writeLock().unlock();
        }
        Object now2 = sessions.get(id);
        LOG.info(
                "client channel to replica {} was not connected; reconnected: {}",
                id,
                now2 != null && active(now2) ? "yes" : "not yet");
    }

    private boolean active(Object session) {
        try {
            Object channel = channelOf.invoke(session);
            return channel instanceof io.netty.channel.Channel c && c.isActive();
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }
}
