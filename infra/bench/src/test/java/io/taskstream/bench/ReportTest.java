package io.taskstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

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
    void anEmptyHistogramSaysSo() {
        assertThat(Report.percentiles(new Histogram(3))).isEqualTo("no samples");
    }
}
