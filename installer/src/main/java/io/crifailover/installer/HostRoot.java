package io.crifailover.installer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The host's root file system mounted at a directory (e.g. {@code /host} in the installer pod).
 *
 * <p>Host paths are resolved the way the host would resolve them: a symbolic link on the host such
 * as {@code /var/run -> /run} is followed inside the mount, never into the installer's own file
 * system, and {@code ..} never climbs above the mount.
 */
public final class HostRoot {

    private static final int MAX_LINKS = 40;

    private final Path root;

    public HostRoot(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The directory the host's {@code /} is mounted at. */
    public Path root() {
        return root;
    }

    /**
     * Where {@code hostPath} lives in the mount: every component but the last is resolved through
     * host symbolic links; the last is left as it is (so a link there can be read or replaced).
     */
    public Path locate(String hostPath) throws IOException {
        String absolute = requireAbsolute(hostPath);
        int slash = absolute.lastIndexOf('/');
        String name = absolute.substring(slash + 1);
        Path parent = resolve(slash == 0 ? "/" : absolute.substring(0, slash));
        return name.isEmpty() ? parent : parent.resolve(name);
    }

    /** Where {@code hostPath} lives in the mount with every component, the last too, resolved. */
    public Path resolve(String hostPath) throws IOException {
        Deque<String> todo = new ArrayDeque<>();
        pushComponents(todo, requireAbsolute(hostPath));
        Path current = root;
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pop();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                current = current.equals(root) ? root : current.getParent();
                continue;
            }
            Path next = current.resolve(part);
            if (Files.isSymbolicLink(next)) {
                if (++links > MAX_LINKS) {
                    throw new IOException("too many symbolic links resolving host path " + hostPath);
                }
                String target = Files.readSymbolicLink(next).toString();
                pushComponents(todo, target);
                if (target.startsWith("/")) {
                    current = root;
                }
                continue;
            }
            current = next;
        }
        return current;
    }

    /** Whether something (file, directory, socket) exists at {@code hostPath}, links followed. */
    public boolean exists(String hostPath) throws IOException {
        return Files.exists(resolve(hostPath), LinkOption.NOFOLLOW_LINKS);
    }

    private static void pushComponents(Deque<String> todo, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.push(parts[i]);
        }
    }

    static String requireAbsolute(String hostPath) {
        if (hostPath == null || !hostPath.startsWith("/")) {
            throw new IllegalArgumentException("host path must be absolute: '" + hostPath + "'");
        }
        return hostPath;
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
