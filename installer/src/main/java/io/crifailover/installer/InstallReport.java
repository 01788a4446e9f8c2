package io.crifailover.installer;

import java.util.List;

/**
 * What an install or uninstall did.
 *
 * @param runtime  the runtime the shim forwards to (null for uninstall)
 * @param changed  host paths created, modified, restored or removed
 * @param commands host commands run, in order
 * @param notes    what the installer found and left as it was (e.g. the runtime's restore setting)
 * @param warnings things left for a human
 */
public record InstallReport(
        RuntimeEndpoint runtime,
        List<String> changed,
        List<List<String>> commands,
        List<String> notes,
        List<String> warnings) {

    /** Prints the notes, the host commands that ran and the warnings, one per line. */
    public void printCommandsAndWarnings(java.io.PrintWriter out) {
        notes.forEach(n -> out.println("note: " + n));
        commands.forEach(c -> out.println("ran: " + String.join(" ", c)));
        warnings.forEach(w -> out.println("warning: " + w));
    }

    /** Whether the host was left exactly as it was. */
    public boolean unchanged() {
        return changed.isEmpty();
    }
}
