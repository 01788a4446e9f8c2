package io.crifailover.testbed;

/**
 * Runs a command-line program of the bed and then exits the JVM with its status: the Kubernetes
 * client's idle HTTP threads would otherwise keep it alive for another minute. A failure is printed
 * before the exit.
 */
final class ExitAfter {
    /** The program's body. */
    @FunctionalInterface
    interface Body {
        void run(String[] args) throws Exception;
    }

    private ExitAfter() {}

    static void run(Body body, String[] args) {
        int status = 1;
        try {
            body.run(args);
            status = 0;
        } catch (Exception | Error e) {
            e.printStackTrace();
        } finally {
            System.exit(status);
        }
    }
}
