package io.crifailover.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The arithmetic of the failover reports: state lost, percentiles, the exec-based baseline. */
class FailoverNumbersTest {

    private static FailoverScenario.Result result(OptionalLong lastBefore, long firstAfter) {
        return new FailoverScenario.Result(
                "node-1", "node-2", 300, 400, 600, 1200, 1300, lastBefore, firstAfter, 100, List.of());
    }

    @Test
    void stateLostIsTheDropFromTheLastValueBeforeTheFault() {
        var r = result(OptionalLong.of(57), 55);
        assertThat(r.lostUnits()).hasValue(2);
        assertThat(r.stateLostMs()).hasValue(200);
        assertThat(r.summary()).containsEntry("state_lost_ms", 200L);
    }

    @Test
    void stateLostIsNotKnownWithoutAGoodAnswerBeforeTheFault() {
        var r = result(OptionalLong.empty(), 55);
        assertThat(r.lostUnits()).isEmpty();
        assertThat(r.summary()).containsEntry("state_lost_ms", null);
        assertThat(Demo.stateLost(r)).contains("not known").doesNotContain("-1");
    }

    @Test
    void percentileIsNearestRankOverMeasuredValues() {
        List<Long> values = List.of(5L, 1L, -1L, 3L, 2L, 4L);
        assertThat(FailoverBenchmark.percentile(values, 50)).isEqualTo(3);
        assertThat(FailoverBenchmark.percentile(values, 95)).isEqualTo(5);
        assertThat(FailoverBenchmark.percentile(List.of(), 50)).isEqualTo(-1);
    }

    @Test
    void theBaselineComesFromAnExecBasedFileAndIsCarriedOverAfterwards(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("failover.json");
        Files.writeString(file, """
                {"benchmark":"failover","runs_per_series":10,
                 "counter":{"runs_succeeded":9,"fault_to_service_ms":1837,"state_lost_ms":300}}
                """);
        Map<String, Map<String, Object>> earlier = ExecBaseline.read(file);
        assertThat(earlier.get("counter")).containsEntry("fault_to_service_ms", 1837L);

        Map<String, Object> series = new LinkedHashMap<>();
        series.put("fault_to_service_ms", 918L);
        series.put("state_lost_ms", 300L);
        ExecBaseline.compare(series, earlier.get("counter"));
        assertThat(series).containsEntry("fault_to_service_ms_ratio_tcp_vs_exec", 0.5);
        assertThat(series).containsEntry("state_lost_ms_ratio_tcp_vs_exec", 1.0);

        Files.writeString(
                file,
                new com.fasterxml.jackson.databind.ObjectMapper()
                        .writeValueAsString(Map.of("client", "tcp", "counter", series)));
        assertThat(ExecBaseline.read(file).get("counter")).containsEntry("fault_to_service_ms", 1837L);
    }
}
