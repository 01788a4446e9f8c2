package io.crifailover.shim;

import io.grpc.HandlerRegistry;
import io.grpc.ServerMethodDefinition;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fallback registry that answers every method name with the forwarding handler, so methods that
 * did not exist when the shim was built are relayed too.
 */
public final class ForwardingHandlerRegistry extends HandlerRegistry {

    /** Bound on cached definitions; unusual names beyond it are still served, just not cached. */
    private static final int MAX_CACHED = 512;

    private final ForwardingCallHandler handler;
    private final Map<String, ServerMethodDefinition<byte[], byte[]>> definitions = new ConcurrentHashMap<>();

    public ForwardingHandlerRegistry(ForwardingCallHandler handler) {
        this.handler = handler;
    }

    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
        ServerMethodDefinition<byte[], byte[]> cached = definitions.get(methodName);
        if (cached != null) {
            return cached;
        }
        ServerMethodDefinition<byte[], byte[]> created =
                ServerMethodDefinition.create(RawMarshaller.rawMethod(methodName), handler);
        if (definitions.size() < MAX_CACHED) {
            definitions.putIfAbsent(methodName, created);
        }
        return created;
    }
}
