package io.crifailover.placement;

/** A placement call failed: no quorum answered in time, or the replicas refused the request. */
public class PlacementException extends RuntimeException {
    public PlacementException(String message) {
        super(message);
    }

    public PlacementException(String message, Throwable cause) {
        super(message, cause);
    }
}
