package io.crifailover.store;

import io.crifailover.oci.Digest;
import java.util.List;

/**
 * The receiver's answer to an offered blob: already present, or from which chunk index to continue and the
 * distinct chunk digests (first-occurrence order from {@code resumeFrom}) it needs.
 */
public record OfferResponse(boolean present, int resumeFrom, List<Digest> missing) {}
