package io.crifailover.sniffer;

import java.util.Arrays;
import java.util.List;

/**
 * Entry point of the Java half of the {@code criu} stand-in: {@code criu swrk <fd>}. The launcher
 * script only starts it for swrk mode when sniffing is on; exits with CRIU's exit status.
 * {@code --train <dir>} exercises the code paths once to build a class-data-sharing archive.
 */
public final class SnifferMain {

    private SnifferMain() {}

    public static void main(String[] argv) {
        System.exit(run(argv));
    }

    static int run(String[] argv) {
        try {
            if (argv.length == 2 && argv[0].equals("--train")) {
                TrainingRun.run(java.nio.file.Path.of(argv[1]));
                return 0;
            }
            if (argv.length < 2 || !argv[0].equals("swrk")) {
                System.err.println("criu-sniffer: expected 'swrk <fd>', got " + Arrays.toString(argv));
                return 2;
            }
            int fd;
            try {
                fd = Integer.parseInt(argv[1]);
            } catch (NumberFormatException ex) {
                System.err.println("criu-sniffer: swrk fd '" + argv[1] + "' is not a number");
                return 2;
            }
            if (fd < 3) {
                System.err.println("criu-sniffer: swrk fd " + fd + " would be stdin/stdout/stderr");
                return 2;
            }
            return new SwrkSession(SnifferSettings.fromSystemProperties(), List.of(argv), fd).run();
        } catch (Exception ex) {
            System.err.println("criu-sniffer: " + ex);
            return 1;
        }
    }
}
