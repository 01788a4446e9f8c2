package io.crifailover.installer;

/** The container runtime found on the host and how it was found. */
public record RuntimeEndpoint(String endpoint, String runtime, String foundBy) {

    @Override
    public String toString() {
        return runtime + " at " + endpoint + " (" + foundBy + ")";
    }
}
