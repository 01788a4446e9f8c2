package io.crifailover.sniffer;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Operation ids: {@code <UTC time to microseconds>-<sniffer pid>}, sortable by start time and unique per node. */
final class OperationIds {
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private OperationIds() {}

    static String next(Instant now, long pid) {
        return FORMAT.format(now) + "-" + pid;
    }
}
