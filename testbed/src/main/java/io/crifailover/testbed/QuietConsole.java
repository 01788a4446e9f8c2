package io.crifailover.testbed;

import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Keeps the console of {@code bin/demo} and {@code bench/failover.sh} for their story: libraries
 * that log through java.util.logging (the mock API server's MockWebServer, netty's channel-option
 * warnings) are routed to SLF4J, whose logback configuration ({@code bench/logback-file.xml})
 * writes everything to the file named by system property {@code crif.log.file}.
 */
final class QuietConsole {
    private QuietConsole() {}

    /** Replaces java.util.logging's console handler with a bridge to SLF4J. */
    static void routeJavaUtilLogging() {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }

    /** The file the logs go to, if the program was started with one. */
    static Optional<Path> logFile() {
        return Optional.ofNullable(System.getProperty("crif.log.file")).map(Path::of);
    }
}
