package io.crifailover.shim.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ListenFdsTest {

    private static final long PID = 4711;

    @Test
    void nothingPassedWhenTheVariablesAreAbsent() {
        assertThat(ListenFds.parse(Map.of(), PID)).isEmpty();
        assertThat(ListenFds.parse(Map.of("LISTEN_FDS", "1"), PID)).isEmpty();
        assertThat(ListenFds.parse(Map.of("LISTEN_PID", "4711"), PID)).isEmpty();
    }

    @Test
    void socketsMeantForAnotherProcessAreIgnored() {
        assertThat(ListenFds.parse(Map.of("LISTEN_PID", "4712", "LISTEN_FDS", "1"), PID))
                .isEmpty();
    }

    @Test
    void zeroSocketsMeansBindItself() {
        assertThat(ListenFds.parse(Map.of("LISTEN_PID", "4711", "LISTEN_FDS", "0"), PID))
                .isEmpty();
    }

    @Test
    void oneSocketIsFdThreeWhateverItsName() {
        assertThat(ListenFds.parse(Map.of("LISTEN_PID", "4711", "LISTEN_FDS", "1"), PID))
                .contains(new ListenFds.Selection(3, null, 1));
        assertThat(ListenFds.parse(
                        Map.of("LISTEN_PID", "4711", "LISTEN_FDS", "1", "LISTEN_FDNAMES", "cri-failover.socket"), PID))
                .contains(new ListenFds.Selection(3, "cri-failover.socket", 1));
    }

    @Test
    void namesThatDoNotMatchTheCountAreIgnoredForOneSocket() {
        assertThat(ListenFds.parse(Map.of("LISTEN_PID", "4711", "LISTEN_FDS", "1", "LISTEN_FDNAMES", "a:b"), PID))
                .contains(new ListenFds.Selection(3, null, 1));
    }

    @Test
    void ofSeveralSocketsTheOneNamedCriIsUsed() {
        assertThat(ListenFds.parse(
                        Map.of("LISTEN_PID", "4711", "LISTEN_FDS", "3", "LISTEN_FDNAMES", "metrics:cri:other"), PID))
                .contains(new ListenFds.Selection(4, "cri", 3));
    }

    @Test
    void severalSocketsWithoutAUsableNameAreAnError() {
        assertThatThrownBy(() -> ListenFds.parse(Map.of("LISTEN_PID", "4711", "LISTEN_FDS", "2"), PID))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 sockets passed")
                .hasMessageContaining("FileDescriptorName=cri");
        assertThatThrownBy(() ->
                        ListenFds.parse(Map.of("LISTEN_PID", "4711", "LISTEN_FDS", "2", "LISTEN_FDNAMES", "cri"), PID))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not hold 2 names");
        assertThatThrownBy(() ->
                        ListenFds.parse(Map.of("LISTEN_PID", "4711", "LISTEN_FDS", "2", "LISTEN_FDNAMES", "a:b"), PID))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("none is named 'cri'");
        assertThatThrownBy(() -> ListenFds.parse(
                        Map.of("LISTEN_PID", "4711", "LISTEN_FDS", "2", "LISTEN_FDNAMES", "cri:cri"), PID))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than one");
    }

    @Test
    void malformedNumbersAreErrors() {
        assertThatThrownBy(() -> ListenFds.parse(Map.of("LISTEN_PID", "x", "LISTEN_FDS", "1"), PID))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LISTEN_PID=x");
        assertThatThrownBy(() -> ListenFds.parse(Map.of("LISTEN_PID", "4711", "LISTEN_FDS", "-1"), PID))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LISTEN_FDS=-1");
        assertThatThrownBy(() -> ListenFds.parse(Map.of("LISTEN_PID", "4711", "LISTEN_FDS", "one"), PID))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LISTEN_FDS=one");
    }
}
