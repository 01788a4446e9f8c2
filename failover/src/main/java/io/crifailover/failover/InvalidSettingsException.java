package io.crifailover.failover;

/** A protection annotation with a value the shim cannot use; the pod stays unprotected. */
public final class InvalidSettingsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidSettingsException(String annotation, String value, String rule) {
        super("annotation " + annotation + "=\"" + value + "\": " + rule);
    }
}
