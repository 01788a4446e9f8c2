package io.crifailover.store;

/** Credentials were present but wrong, expired or replayed. */
public final class AuthenticationException extends Exception {
    public AuthenticationException(String message) {
        super(message);
    }
}
