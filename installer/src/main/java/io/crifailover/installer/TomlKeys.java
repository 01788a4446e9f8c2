package io.crifailover.installer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The scalar {@code key = value} settings of TOML text, by {@code table.key}, later texts overriding
 * earlier ones (CRI-O's crio.conf then crio.conf.d in lexical order, or the single document
 * {@code crio status config} prints). Only what the runtime checks need: table headers, string,
 * boolean and number values; arrays, inline tables and multi-line strings are skipped.
 */
final class TomlKeys {

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, Boolean> tables = new LinkedHashMap<>();

    /** Adds the settings of one document; a key set again replaces the earlier value. */
    TomlKeys add(String text) {
        String table = "";
        boolean inArray = false;
        for (String raw : text.split("\r?\n")) {
            String line = stripComment(raw).strip();
            if (inArray) {
                inArray = !line.endsWith("]");
                continue;
            }
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("[")) {
                table = line.startsWith("[[") ? "" : unquoteKey(line.substring(1, line.lastIndexOf(']')));
                tables.put(table, true);
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String key = unquoteKey(line.substring(0, eq));
            String value = line.substring(eq + 1).strip();
            if (value.startsWith("[") && !value.endsWith("]")) {
                inArray = true;
                continue;
            }
            if (value.startsWith("[") || value.startsWith("{") || value.startsWith("\"\"\"")) {
                continue;
            }
            values.put(table.isEmpty() ? key : table + "." + key, unquoteValue(value));
        }
        return this;
    }

    /** The value of {@code table.key} (quotes removed), if set. */
    Optional<String> get(String tableKey) {
        return Optional.ofNullable(values.get(tableKey));
    }

    /** Whether a {@code [table]} header appeared. */
    boolean hasTable(String table) {
        return tables.containsKey(table);
    }

    /** The value of the first key named {@code key} in any table, with its {@code table.key}. */
    Optional<Map.Entry<String, String>> anyTable(String key) {
        return values.entrySet().stream()
                .filter(e -> e.getKey().equals(key) || e.getKey().endsWith("." + key))
                .findFirst();
    }

    private static String stripComment(String line) {
        boolean inString = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (inString) {
                if (c == quote) {
                    inString = false;
                }
            } else if (c == '"' || c == '\'') {
                inString = true;
                quote = c;
            } else if (c == '#') {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /** {@code plugins."io.containerd.cri.v1.runtime"} -> {@code plugins.io.containerd.cri.v1.runtime}. */
    private static String unquoteKey(String key) {
        return key.strip().replace("\"", "").replace("'", "").replaceAll("\\s*\\.\\s*", ".");
    }

    private static String unquoteValue(String value) {
        if (value.length() >= 2
                && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }
}
