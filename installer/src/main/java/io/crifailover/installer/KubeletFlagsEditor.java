package io.crifailover.installer;

import java.io.IOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sets {@code --container-runtime-endpoint} in a kubelet environment file such as kubeadm's
 * {@code /var/lib/kubelet/kubeadm-flags.env} ({@code KUBELET_KUBEADM_ARGS="..."}). Only the flag's
 * value changes; when the flag is absent it is added at the front of {@code KUBELET_KUBEADM_ARGS}.
 */
final class KubeletFlagsEditor {

    static final String FLAG = "--container-runtime-endpoint";
    static final String ARGS_VARIABLE = "KUBELET_KUBEADM_ARGS";

    private static final Pattern FLAG_VALUE =
            Pattern.compile("(?<![\\w-])" + Pattern.quote(FLAG) + "(=|[ \\t]+)([^\\s\"']+)");
    private static final Pattern ARGS_START = Pattern.compile("^" + ARGS_VARIABLE + "=([\"']?)", Pattern.MULTILINE);

    private KubeletFlagsEditor() {}

    /** The endpoint the file passes to kubelet, if any. */
    static Optional<String> endpoint(String content) {
        Matcher matcher = FLAG_VALUE.matcher(content);
        return matcher.find() ? Optional.of(matcher.group(2)) : Optional.empty();
    }

    /** {@code content} with the flag set to {@code endpoint} (every occurrence). */
    static String withEndpoint(String content, String endpoint, String where) throws IOException {
        Matcher matcher = FLAG_VALUE.matcher(content);
        if (matcher.find()) {
            StringBuilder out = new StringBuilder();
            matcher.reset();
            while (matcher.find()) {
                matcher.appendReplacement(out, Matcher.quoteReplacement(FLAG + matcher.group(1) + endpoint));
            }
            matcher.appendTail(out);
            return out.toString();
        }
        Matcher start = ARGS_START.matcher(content);
        if (start.find()) {
            String quote = start.group(1);
            if (quote.isEmpty()) {
                throw new IOException(where + ": " + ARGS_VARIABLE + " is not quoted; cannot add " + FLAG + " safely");
            }
            String rest = content.substring(start.end());
            String space = rest.startsWith(quote) ? "" : " ";
            return content.substring(0, start.end()) + FLAG + "=" + endpoint + space + rest;
        }
        String newline = content.contains("\r\n") ? "\r\n" : "\n";
        String separator = content.isEmpty() || content.endsWith("\n") ? "" : newline;
        return content + separator + ARGS_VARIABLE + "=\"" + FLAG + "=" + endpoint + "\"" + newline;
    }
}
