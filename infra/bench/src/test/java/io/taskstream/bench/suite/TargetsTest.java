package io.taskstream.bench.suite;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.taskstream.bench.report.BenchReport.Delayed;
import io.taskstream.bench.report.BenchReport.Latency;
import io.taskstream.bench.report.BenchReport.Percentiles;
import io.taskstream.bench.report.BenchReport.ProcessSample;
import io.taskstream.bench.report.BenchReport.ProcessSeries;
import io.taskstream.bench.report.BenchReport.Rate;
import io.taskstream.bench.report.BenchReport.ScalingPoint;
import io.taskstream.bench.report.BenchReport.Target;
import io.taskstream.bench.report.BenchReport.Throughput;

class TargetsTest {

    private static final List<ProcessSeries> PROCESSES = List.of(
            new ProcessSeries("devstack", 1, List.of(new ProcessSample(9, 0.1, 200, 600),
                    new ProcessSample(10, 1.2, 200, 600), new ProcessSample(11, 1.4, 210, 600),
                    new ProcessSample(30, 0.1, 200, 600))),
            new ProcessSeries("postgres", 2, List.of(new ProcessSample(10, 0.3, -1, 50),
                    new ProcessSample(11, 0.3, -1, 50))),
            new ProcessSeries("redis-server", 3, List.of(new ProcessSample(10, 0.001, -1, 10))));
    private static final List<Run.Window> WINDOWS = List.of(new Run.Window("throughput-kafka", 10, 10.5));

    private static Percentiles p(double p50, double p95, double p99) {
        return new Percentiles(p50, p95, p99, p99, 100);
    }

    @Test
    void aMissedThroughputSaysHowFarAndWhereTheCpuWentInItsWindow() {
        List<Target> targets = Targets.evaluate(new Throughput(new Rate(7_000, 420_000, 60), null), null, null,
                List.of(), WINDOWS, PROCESSES, 2);
        assertThat(targets).singleElement().satisfies(t -> {
            assertThat(t.name()).isEqualTo("throughput via Kafka");
            assertThat(t.met()).isFalse();
            assertThat(t.measured()).isEqualTo("7,000 tasks/s");
            assertThat(t.goal()).isEqualTo("≥ 28,000 tasks/s");
            // samples at t 10 and 11 (the one just after the window), not at 9 or 30; below 0.01 core left out
            assertThat(t.reason()).isEqualTo("25 % of the target; processes busy 1.60 of 2 cores: devstack 1.30, "
                    + "postgres 0.30");
        });
    }

    @Test
    void metTargetsHaveNoReasonAndScenariosNotRunHaveNoTargets() {
        Latency latency = new Latency(1000, p(5, 10, 20), p(5, 10, 20), p(6, 12, 24), 1000, p(3, 8, 12));
        Delayed delayed = new Delayed(1_000_000, 300, 350, 100_000, 10_000, p(10, 40, 90), p(20, 50, 99));
        List<Target> targets = Targets.evaluate(new Throughput(null, new Rate(12_000, 360_000, 30)), latency, delayed,
                List.of(), List.of(), List.of(), 2);
        assertThat(targets).extracting(Target::name).containsExactly("throughput via REST (/tasks:batch)",
                "start latency P99, at once, at 1000 tasks/s", "start latency P99, delayed, at 1000 tasks/s",
                "submission latency P95 at 1000 requests/s", "fire lateness P99, 1000000 pending, 100000 due at 10000/s",
                "heap flat with 1000000 pending");
        assertThat(targets).allSatisfy(t -> {
            assertThat(t.met()).as(t.name()).isTrue();
            assertThat(t.reason()).isEmpty();
        });
        assertThat(targets.getLast().measured()).isEqualTo("300 → 350 MB after GC (+50 MB)");
    }

    @Test
    void latencyOverItsBoundIsMissedByAFactor() {
        Latency latency = new Latency(500, p(5, 30, 50), p(5, 30, 50), p(5, 10, 20), 1000, p(9, 21, 40));
        Delayed delayed = new Delayed(1_000_000, 300, 600, 100_000, 10_000, p(10, 40, 250), p(20, 50, 99));
        List<Target> targets = Targets.evaluate(null, latency, delayed, List.of(), List.of(), List.of(), 2);
        assertThat(targets.get(0).met()).isFalse();
        assertThat(targets.get(0).reason()).startsWith("2.0× the target; no CPU figures");
        assertThat(targets.get(1).met()).isTrue();
        assertThat(targets.get(2).met()).isFalse();
        assertThat(targets.get(2).reason()).startsWith("2.1× the target");
        assertThat(targets.get(3).met()).isFalse();
        assertThat(targets.get(4)).satisfies(t -> {
            assertThat(t.met()).isFalse();
            assertThat(t.reason()).isEqualTo("the heap grew with the pending tasks");
        });
    }

    @Test
    void aHeapNotMeasuredHasNoHeapTarget() {
        Delayed delayed = new Delayed(5_000, -1, -1, 1_000, 1_000, p(1, 2, 3), p(1, 2, 3));
        assertThat(Targets.evaluate(null, null, delayed, List.of(), List.of(), List.of(), 2)).hasSize(1);
    }

    @Test
    void scalingGrowsUntilTheMachineIsBusy() {
        assertThat(Targets.scaling(List.of(new ScalingPoint(1, 100, 2_000, 1.1), new ScalingPoint(2, 100, 3_000, 1.85),
                new ScalingPoint(3, 100, 3_050, 1.95)), 2)).satisfies(t -> {
                    assertThat(t.met()).isTrue();
                    assertThat(t.measured()).isEqualTo("1: 2,000/s (1.10 cores) → 2: 3,000/s (1.85 cores) → "
                            + "3: 3,050/s (1.95 cores)");
                });
        assertThat(Targets.scaling(List.of(new ScalingPoint(1, 100, 2_000, 1.0), new ScalingPoint(2, 100, 2_050, 1.1)),
                2)).satisfies(t -> {
                    assertThat(t.met()).isFalse();
                    assertThat(t.reason()).isEqualTo("1 → 2 workers: 2,000 → 2,050 tasks/s with the machine 50 % busy");
                });
        assertThat(Targets.scaling(List.of(new ScalingPoint(1, 100, 0, 0.2), new ScalingPoint(2, 100, 0, 0.2)), 2)
                .met()).as("nothing done is no growth").isFalse();
    }
}
