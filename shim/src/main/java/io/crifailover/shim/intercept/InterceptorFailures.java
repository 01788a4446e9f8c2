package io.crifailover.shim.intercept;

import io.grpc.Status;

/** Receives the failures and refusals of interceptors so that they can be counted. */
public interface InterceptorFailures {

    /** Where in a call an interceptor failed. */
    enum Phase {
        REQUEST,
        RESPONSE,
        ERROR
    }

    /** An interceptor of {@code fullMethodName} threw (or overran its budget) in {@code phase}. */
    void interceptorFailed(String fullMethodName, Phase phase);

    /** An observation for {@code fullMethodName} was dropped because the observer queue was full. */
    void observationDropped(String fullMethodName);

    /** A call of {@code fullMethodName} was refused on purpose with {@code code}. */
    void callRefused(String fullMethodName, Status.Code code);

    /** Discards everything; for tests and tools. */
    InterceptorFailures IGNORE = new InterceptorFailures() {
        @Override
        public void interceptorFailed(String fullMethodName, Phase phase) {}

        @Override
        public void observationDropped(String fullMethodName) {}

        @Override
        public void callRefused(String fullMethodName, Status.Code code) {}
    };
}
