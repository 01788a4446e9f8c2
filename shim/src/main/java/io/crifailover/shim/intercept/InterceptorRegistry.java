package io.crifailover.shim.intercept;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * Typed interceptors keyed by full method name. Only the methods registered here are decoded; all
 * others are forwarded as raw bytes without ever being parsed.
 */
public final class InterceptorRegistry {

    private final Map<String, Binding<?, ?>> bindings = new ConcurrentHashMap<>();
    private final InterceptorLanes lanes;
    private final Executor observerExecutor;
    private final InterceptorFailures failures;

    /**
     * @param lanes the threads request interceptors run on
     * @param observerExecutor runs response observers, off the forwarding path
     * @param failures counts interceptor failures and refusals
     */
    public InterceptorRegistry(InterceptorLanes lanes, Executor observerExecutor, InterceptorFailures failures) {
        this.lanes = Objects.requireNonNull(lanes, "lanes");
        this.observerExecutor = Objects.requireNonNull(observerExecutor, "observerExecutor");
        this.failures = Objects.requireNonNull(failures, "failures");
    }

    /**
     * Adds {@code interceptor} for a unary method of the generated CRI stubs (see
     * {@link LifecycleMethods}). Interceptors of one method run in registration order.
     */
    public <Q, R> void register(MethodDescriptor<Q, R> method, CriInterceptor<Q, R> interceptor) {
        Objects.requireNonNull(interceptor, "interceptor");
        if (method.getType() != MethodDescriptor.MethodType.UNARY) {
            throw new IllegalArgumentException("only unary methods can be intercepted, not "
                    + method.getFullMethodName() + " (" + method.getType() + ")");
        }
        @SuppressWarnings("unchecked")
        Binding<Q, R> binding =
                (Binding<Q, R>) bindings.computeIfAbsent(method.getFullMethodName(), name -> new Binding<>(method));
        binding.interceptors.add(interceptor);
    }

    /** Whether any interceptor is registered for {@code fullMethodName}. */
    public boolean intercepts(String fullMethodName) {
        return bindings.containsKey(fullMethodName);
    }

    /** Per-call hooks for {@code fullMethodName}, or null when the call is forwarded untouched. */
    public CallInterception open(String fullMethodName, Metadata headers) {
        Binding<?, ?> binding = bindings.get(fullMethodName);
        return binding == null ? null : binding.open(headers, lanes, observerExecutor, failures);
    }

    /** A method and its interceptors. */
    static final class Binding<Q, R> {
        final MethodDescriptor<Q, R> method;
        final List<CriInterceptor<Q, R>> interceptors = new CopyOnWriteArrayList<>();

        Binding(MethodDescriptor<Q, R> method) {
            this.method = method;
        }

        CallInterception open(
                Metadata headers, InterceptorLanes lanes, Executor observers, InterceptorFailures failures) {
            return new TypedCallInterception<>(method, interceptors, headers, lanes, observers, failures);
        }
    }
}
