package io.crifailover.shim.intercept;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Decodes one intercepted call and runs its interceptors, falling back to the raw bytes on any failure. */
final class TypedCallInterception<Q, R> implements CallInterception {

    private static final Logger LOG = LoggerFactory.getLogger(TypedCallInterception.class);

    private final MethodDescriptor<Q, R> method;
    private final List<CriInterceptor<Q, R>> interceptors;
    private final Metadata headers;
    private final Executor observerExecutor;
    private final InterceptorFailures failures;
    private volatile Q forwardedRequest;

    TypedCallInterception(
            MethodDescriptor<Q, R> method,
            List<CriInterceptor<Q, R>> interceptors,
            Metadata headers,
            Executor observerExecutor,
            InterceptorFailures failures) {
        this.method = method;
        this.interceptors = interceptors;
        this.headers = headers;
        this.observerExecutor = observerExecutor;
        this.failures = failures;
    }

    @Override
    public byte[] onRequest(byte[] raw) {
        Q original;
        try {
            original = method.parseRequest(new ByteArrayInputStream(raw));
        } catch (RuntimeException e) {
            fail(InterceptorFailures.Phase.REQUEST, "decoding the request", e);
            return raw;
        }
        forwardedRequest = original;
        Q current = original;
        try {
            for (CriInterceptor<Q, R> interceptor : interceptors) {
                current = interceptor.onRequest(current, headers);
                if (current == null) {
                    throw new IllegalStateException(interceptor.getClass().getName() + " returned a null request");
                }
            }
            if (current == original) {
                return raw;
            }
            byte[] rewritten = toBytes(method.streamRequest(current));
            forwardedRequest = current;
            return rewritten;
        } catch (Exception | Error e) {
            fail(InterceptorFailures.Phase.REQUEST, "rewriting the request", e);
            return raw;
        }
    }

    @Override
    public void onResponse(byte[] raw) {
        observe(
                () -> {
                    R response = method.parseResponse(new ByteArrayInputStream(raw));
                    Q request = forwardedRequest;
                    for (CriInterceptor<Q, R> interceptor : interceptors) {
                        try {
                            interceptor.onResponse(request, response);
                        } catch (Exception | Error e) {
                            fail(InterceptorFailures.Phase.RESPONSE, "observing the response", e);
                        }
                    }
                },
                InterceptorFailures.Phase.RESPONSE);
    }

    @Override
    public void onClose(Status status) {
        if (status.isOk()) {
            return;
        }
        observe(
                () -> {
                    Q request = forwardedRequest;
                    for (CriInterceptor<Q, R> interceptor : interceptors) {
                        try {
                            interceptor.onError(request, status);
                        } catch (Exception | Error e) {
                            fail(InterceptorFailures.Phase.ERROR, "observing the error", e);
                        }
                    }
                },
                InterceptorFailures.Phase.ERROR);
    }

    private void observe(Runnable observation, InterceptorFailures.Phase phase) {
        Runnable guarded = () -> {
            try {
                observation.run();
            } catch (Exception | Error e) {
                fail(phase, "decoding for observers", e);
            }
        };
        try {
            observerExecutor.execute(guarded);
        } catch (RejectedExecutionException e) {
            failures.observationDropped(method.getFullMethodName());
            LOG.warn("observer queue full, dropped a {} observation of {}", phase, method.getFullMethodName());
        }
    }

    private void fail(InterceptorFailures.Phase phase, String what, Throwable e) {
        failures.interceptorFailed(method.getFullMethodName(), phase);
        LOG.warn(
                "interceptor failed while {} of {}; the call is forwarded unchanged",
                what,
                method.getFullMethodName(),
                e);
    }

    private static byte[] toBytes(InputStream stream) {
        try (stream) {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
