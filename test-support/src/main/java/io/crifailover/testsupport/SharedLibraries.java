package io.crifailover.testsupport;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The shared libraries (and the dynamic loader) host binaries need, as {@code ldd} lists them. */
final class SharedLibraries {
    private static final Pattern PATH = Pattern.compile("(/[^\\s]+)\\s+\\(0x");

    private SharedLibraries() {}

    static Set<Path> of(List<Path> binaries) {
        Set<Path> libs = new TreeSet<>();
        for (Path binary : binaries) {
            Matcher m = PATH.matcher(Shell.runOk("ldd", binary.toString()).output());
            while (m.find()) {
                libs.add(Path.of(m.group(1)));
            }
        }
        return libs;
    }
}
