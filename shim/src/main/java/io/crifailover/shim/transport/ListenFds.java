package io.crifailover.shim.transport;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code sd_listen_fds} protocol: which listening socket, if any, the service manager (systemd,
 * {@code systemd-socket-activate}) handed to this process. Passed sockets start at fd 3;
 * {@code LISTEN_PID} names the process they are meant for, {@code LISTEN_FDS} how many there are and
 * the optional {@code LISTEN_FDNAMES} (colon separated) their names.
 *
 * <p>One passed socket is used whatever its name. With several, the one named {@value #NAME} (the
 * socket unit's {@code FileDescriptorName=}) is used; none or more than one of that name is an error.
 */
public final class ListenFds {

    /** First passed descriptor ({@code SD_LISTEN_FDS_START}). */
    public static final int FIRST_FD = 3;
    /** Name that picks the CRI socket when several are passed. */
    public static final String NAME = "cri";

    static final List<String> VARIABLES = List.of("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES");

    private static final Logger LOG = LoggerFactory.getLogger(ListenFds.class);

    private ListenFds() {}

    /**
     * A passed socket chosen for the CRI.
     *
     * @param fd the descriptor
     * @param name its name from {@code LISTEN_FDNAMES}, or null when none was given
     * @param passed how many descriptors were passed
     */
    public record Selection(int fd, String name, int passed) {
        @Override
        public String toString() {
            return "fd " + fd + (name == null ? "" : " (" + name + ")") + " of " + passed + " passed";
        }
    }

    /**
     * The socket to serve on, or empty when nothing was passed to this process ({@code LISTEN_PID}
     * or {@code LISTEN_FDS} missing, {@code LISTEN_PID} naming another process, or
     * {@code LISTEN_FDS=0}).
     *
     * @throws IllegalArgumentException if the variables are meant for this process but malformed or
     *     ambiguous
     */
    public static Optional<Selection> parse(Map<String, String> env, long pid) {
        String listenPid = env.get("LISTEN_PID");
        String listenFds = env.get("LISTEN_FDS");
        if (listenPid == null || listenFds == null) {
            return Optional.empty();
        }
        long forPid = number("LISTEN_PID", listenPid);
        if (forPid != pid) {
            return Optional.empty();
        }
        long count = number("LISTEN_FDS", listenFds);
        if (count == 0) {
            return Optional.empty();
        }
        if (count > Integer.MAX_VALUE - FIRST_FD) {
            throw new IllegalArgumentException("LISTEN_FDS=" + listenFds + " is out of range");
        }
        int passed = (int) count;
        List<String> names = names(env.get("LISTEN_FDNAMES"), passed);
        if (passed == 1) {
            return Optional.of(new Selection(FIRST_FD, names == null ? null : names.get(0), 1));
        }
        if (names == null) {
            throw new IllegalArgumentException(passed + " sockets passed (LISTEN_FDS) without names (LISTEN_FDNAMES"
                    + (env.containsKey("LISTEN_FDNAMES") ? " does not hold " + passed + " names" : " unset")
                    + "); name the CRI socket '" + NAME + "' (FileDescriptorName=" + NAME + ") or pass only one");
        }
        int index = -1;
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equals(NAME)) {
                if (index >= 0) {
                    throw new IllegalArgumentException("more than one passed socket is named '" + NAME
                            + "' (LISTEN_FDNAMES=" + env.get("LISTEN_FDNAMES") + ")");
                }
                index = i;
            }
        }
        if (index < 0) {
            throw new IllegalArgumentException(passed + " sockets passed but none is named '" + NAME
                    + "' (LISTEN_FDNAMES=" + env.get("LISTEN_FDNAMES") + "); set FileDescriptorName=" + NAME
                    + " on the CRI socket unit");
        }
        return Optional.of(new Selection(FIRST_FD + index, NAME, passed));
    }

    /** {@link #parse} of this process's environment. */
    public static Optional<Selection> fromEnvironment() {
        return parse(System.getenv(), ProcessHandle.current().pid());
    }

    /** The names, or null when absent or not one per descriptor (then they are ignored, as systemd does). */
    private static List<String> names(String value, int passed) {
        if (value == null) {
            return null;
        }
        List<String> names = new ArrayList<>(List.of(value.split(":", -1)));
        return names.size() == passed ? names : null;
    }

    private static long number(String variable, String value) {
        try {
            long n = Long.parseLong(value.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(variable + "=" + value + " is not a non-negative number");
        }
    }

    /**
     * Removes the {@code LISTEN_*} variables, as {@code sd_listen_fds(1)} does: {@code unsetenv} on the
     * process environment (what native code sees), and from the JDK's own copy, which child
     * processes started with {@link ProcessBuilder} get and {@link System#getenv} reports. Editing
     * that copy needs {@code --add-opens java.base/java.lang=ALL-UNNAMED}; without it the variables stay there,
     * which is harmless: a child has another pid than {@code LISTEN_PID}, so it ignores them, and the
     * JDK closes descriptors above 2 in every child it starts, so the socket itself is not inherited.
     *
     * @return whether the variables were removed from the JDK's copy
     */
    public static boolean clearFromEnvironment() {
        try {
            POSIX posix = POSIXFactory.getNativePOSIX();
            VARIABLES.forEach(posix::unsetenv);
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("could not unsetenv LISTEN_*: {}", e.toString());
        }
        try {
            // theEnvironment backs both System.getenv() (through a view) and every ProcessBuilder's copy.
            Field field = Class.forName("java.lang.ProcessEnvironment").getDeclaredField("theEnvironment");
            field.setAccessible(true);
            Map<?, ?> environment = (Map<?, ?>) field.get(null);
            // Keys are ProcessEnvironment.Variable, whose toString() is the name.
            return environment.keySet().removeIf(key -> VARIABLES.contains(String.valueOf(key)));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug(
                    "LISTEN_* variables stay in the JVM's environment copy ({}); children ignore them "
                            + "(LISTEN_PID is not theirs) and do not inherit the socket",
                    e.toString());
            return false;
        }
    }
}
