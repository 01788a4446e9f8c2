package io.crifailover.shim.cli;

import io.crifailover.shim.transport.UnixEndpoint;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Command-line value converters with error messages that say what was expected. */
final class Converters {

    private Converters() {}

    /** {@code unix:///path/to.sock} or an absolute path. */
    static final class Endpoint implements CommandLine.ITypeConverter<UnixEndpoint> {
        @Override
        public UnixEndpoint convert(String value) {
            try {
                return UnixEndpoint.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code host:port}, or {@code none} to disable. */
    static final class HostPort implements CommandLine.ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            if ("none".equalsIgnoreCase(value)) {
                return null;
            }
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new CommandLine.TypeConversionException(
                        "expected host:port (e.g. 127.0.0.1:9464) or none, got '" + value + "'");
            }
            String host = value.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                int port = Integer.parseInt(value.substring(colon + 1));
                if (port < 0 || port > 65535) {
                    throw new NumberFormatException();
                }
                return new InetSocketAddress(host, port);
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("port must be 0-65535 in '" + value + "'");
            }
        }
    }

    /** A byte count: {@code 67108864}, {@code 64MiB}, {@code 512KiB}, {@code 1GiB}. */
    static final class ByteSize implements CommandLine.ITypeConverter<Integer> {
        private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|B|KiB|MiB|GiB)", Pattern.CASE_INSENSITIVE);

        @Override
        public Integer convert(String value) {
            Matcher m = SIZE.matcher(value.trim());
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException(
                        "expected a size like 67108864, 64MiB or 512KiB, got '" + value + "'");
            }
            long multiplier = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "kib" -> 1024L;
                case "mib" -> 1024L * 1024;
                case "gib" -> 1024L * 1024 * 1024;
                default -> 1L;
            };
            long bytes;
            try {
                bytes = Math.multiplyExact(Long.parseLong(m.group(1)), multiplier);
            } catch (ArithmeticException | NumberFormatException e) {
                bytes = Long.MAX_VALUE;
            }
            if (bytes > Integer.MAX_VALUE) {
                throw new CommandLine.TypeConversionException("size '" + value + "' is larger than 2 GiB - 1");
            }
            return (int) bytes;
        }
    }

    /** A duration: {@code 250ms}, {@code 5s}, {@code 1m}, or ISO-8601 ({@code PT5S}). */
    static final class DurationValue implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m)", Pattern.CASE_INSENSITIVE);

        @Override
        public Duration convert(String value) {
            Matcher m = SIMPLE.matcher(value.trim());
            if (m.matches()) {
                long amount = Long.parseLong(m.group(1));
                return switch (m.group(2).toLowerCase(Locale.ROOT)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    default -> Duration.ofMinutes(amount);
                };
            }
            try {
                return Duration.parse(value.trim());
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException(
                        "expected a duration like 250ms, 5s or 1m, got '" + value + "'");
            }
        }
    }
}
