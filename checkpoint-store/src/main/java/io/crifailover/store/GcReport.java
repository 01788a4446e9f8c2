package io.crifailover.store;

import io.crifailover.oci.Digest;
import java.util.List;

/** What one garbage collection removed and kept. */
public record GcReport(List<Digest> deletedBlobs, long deletedBytes, int deletedManifestRecords, int keptBlobs) {}
