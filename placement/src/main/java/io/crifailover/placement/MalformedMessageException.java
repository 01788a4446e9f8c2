package io.crifailover.placement;

/** Bytes that do not decode to a command, result or snapshot; the message names what was wrong. */
public class MalformedMessageException extends IllegalArgumentException {
    public MalformedMessageException(String message) {
        super(message);
    }
}
