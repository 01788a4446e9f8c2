package io.crifailover.shim.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics endpoint's local credential: a private file, fresh at every start, checked as a bearer token. */
class MetricsTokenTest {
    @TempDir
    Path dir;

    @Test
    void onlyTheTokenInThePrivateFileIsAdmitted() throws Exception {
        Path file = dir.resolve("run/" + MetricsToken.FILE_NAME);
        MetricsToken token = MetricsToken.create(file);
        String written = Files.readString(file).trim();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(token.admits("Bearer " + written)).isTrue();
        assertThat(token.admits("bearer " + written)).isTrue();
        assertThat(token.admits(null)).isFalse();
        assertThat(token.admits("Bearer ")).isFalse();
        assertThat(token.admits("Bearer " + written.substring(1))).isFalse();
        assertThat(token.admits("Basic " + written)).isFalse();
    }

    @Test
    void everyStartWritesAFreshToken() throws Exception {
        Path file = dir.resolve(MetricsToken.FILE_NAME);
        MetricsToken first = MetricsToken.create(file);
        String firstText = Files.readString(file).trim();
        MetricsToken.create(file);

        assertThat(Files.readString(file).trim()).isNotEqualTo(firstText);
        assertThat(first.admits("Bearer " + firstText)).isTrue();
    }
}
