package io.crifailover.installer;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything an installation changed on a host, in the order it happened, plus the facts it found
 * (runtime endpoint, kubelet's original endpoint). Persisted by {@link StateFile}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class InstallState {

    /** Format version of the state file. */
    public int version = 1;
    /** The runtime endpoint the shim forwards to. */
    public String runtimeEndpoint;
    /** The endpoint kubelet used before installation (null when kubelet had none set). */
    public String originalKubeletEndpoint;
    /** The changes, oldest first. */
    public List<ChangeRecord> changes = new ArrayList<>();

    Optional<ChangeRecord> find(String path) {
        return changes.stream().filter(c -> c.path().equals(path)).findFirst();
    }

    void replace(ChangeRecord record) {
        for (int i = 0; i < changes.size(); i++) {
            if (changes.get(i).path().equals(record.path())) {
                changes.set(i, record);
                return;
            }
        }
        changes.add(record);
    }

    void remove(String path) {
        changes.removeIf(c -> c.path().equals(path));
    }
}
