package io.taskstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ReportTest {

    @Test
    void printsPercentilesInMillisecondsAndTheAnswers() {
        Histogram latency = new Histogram(3);
        for (int i = 1; i <= 100; i++) {
            latency.recordValue(i * 1000L);
        }
        OpenLoop.Result result = new OpenLoop.Result(latency, latency, Map.of(202, 100L), 0, 100,
                Duration.ofSeconds(1), 1500);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Report.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), result);

        String report = bytes.toString(StandardCharsets.UTF_8);
        assertThat(report).contains("recorded 100 requests (100/s); answers {202=100}")
                .contains("p50 50.0 ms, p95 95.0 ms, p99 99.0 ms, max 100.0 ms")
                .contains("behind schedule at most 1.5 ms");
    }

    @Test
    void aSchedulesRunPrintsEachFireTimeThenAllOfThemThenWhatWasNotMeasured() {
        FireWindow window = FireWindow.of(FireWindowTest.EVERY_MINUTE, Instant.parse("2026-11-29T12:00:30Z"),
                Duration.ofMinutes(2));
        FireLedger ledger = new FireLedger();
        for (Instant fireTime : window.measured()) {
            for (int i = 1; i <= 100; i++) {
                UUID task = UUID.randomUUID();
                ledger.fired(task, UUID.randomUUID(), fireTime, fireTime.plusMillis(i));
                ledger.queued(task, fireTime.plusMillis(100 + i));
                ledger.completed(task, fireTime.plusMillis(200 + i));
            }
        }
        UUID late = UUID.randomUUID();
        ledger.fired(late, UUID.randomUUID(), window.warmUp(), window.warmUp().plusMillis(700));
        ledger.fired(late, UUID.randomUUID(), window.warmUp(), window.warmUp().plusMillis(800));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Report.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), ledger.summary(window, 100));

        String report = bytes.toString(StandardCharsets.UTF_8);
        assertThat(report.lines()).hasSize(14);
        assertThat(report).contains("""
                  fire time 12:02:00Z: fired 100 of 100, duplicates 0, queued 100, completed 100
                    fire lateness (fired - due):           p50 50.0 ms, p95 95.0 ms, p99 99.0 ms, max 100.0 ms
                """.replace("\n", System.lineSeparator()))
                .contains("  fire time 12:03:00Z: fired 100 of 100, duplicates 0, queued 100, completed 100")
                .contains("  all 2 fire times: fired 200 of 200, duplicates 0, queued 200, completed 200")
                .contains("    duplicates: same task id fired again 0, a second task for one fire 0; "
                        + "tasks queued again 0; timestamps before the fire time 0")
                .containsPattern("queue lateness \\(queued - due\\): +p50 150\\.\\d ms, p95 195\\.\\d ms")
                .containsPattern("completion lateness \\(completed - due\\): p50 250\\.\\d ms, p95 295\\.\\d ms")
                .containsPattern("not measured: the first fire time, 12:01:00Z \\(the definitions were written in the "
                        + "minute before it\\): fired 1 of 100, duplicates 1, queued 0, completed 0, "
                        + "fire lateness p95 700\\.\\d ms; 0 fires of other fire times");
    }

    @Test
    void anEmptyHistogramSaysSo() {
        assertThat(Report.percentiles(new Histogram(3))).isEqualTo("no samples");
    }
}
