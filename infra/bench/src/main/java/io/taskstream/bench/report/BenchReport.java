package io.taskstream.bench.report;

import java.util.List;

import org.HdrHistogram.Histogram;

/**
 * What one {@code ./taskstream bench} run measured: written as {@code report.json} (these records, field by
 * field), {@code report.md} and {@code report.html} by {@link ReportWriter}. A scenario that was not run
 * leaves its part {@code null} ({@code scaling} empty). Field names are a contract for other tools:
 * {@code throughput.kafka.tasksPerSec}, {@code throughput.rest.tasksPerSec}, {@code latency.start.p99Ms},
 * {@code latency.submit.p95Ms}, {@code delayed.fireLateness.p99Ms}, {@code delayed.heapMb},
 * {@code scaling[].workers}/{@code tasksPerSec}, {@code tasks.submitted/completed/lost/duplicated}.
 *
 * @param startedAt       ISO-8601 instant the run started
 * @param durationSeconds how long the whole run took
 * @param quick           whether it was {@code --quick} (small sizes: a smoke test, its figures mean little)
 * @param scenarios       the scenarios run, in order
 * @param targets         each target of issue #8 against what was measured
 * @param series          time series for the charts (tasks/s over time per scenario, lag …)
 * @param processes       CPU and heap over time per process of the system under test and the generator
 * @param notes           free text lines worth reading with the figures (where the time went, skipped parts)
 */
public record BenchReport(String startedAt, double durationSeconds, Host host, boolean quick, List<String> scenarios,
                          Throughput throughput, Latency latency, Delayed delayed, List<ScalingPoint> scaling,
                          Tasks tasks, List<Target> targets, List<Series> series, List<ProcessSeries> processes,
                          List<String> notes) {

    /** The machine: logical CPUs, processor model, OS, the JVM that ran the generator. */
    public record Host(int cpus, String processor, String os, String java) {
    }

    /** Latency percentiles in milliseconds, and how many samples they come from. */
    public record Percentiles(double p50Ms, double p95Ms, double p99Ms, double maxMs, long count) {

        /** From a histogram of microseconds. */
        public static Percentiles ofMicros(Histogram micros) {
            if (micros.getTotalCount() == 0) {
                return new Percentiles(0, 0, 0, 0, 0);
            }
            return new Percentiles(micros.getValueAtPercentile(50) / 1000.0, micros.getValueAtPercentile(95) / 1000.0,
                    micros.getValueAtPercentile(99) / 1000.0, micros.getMaxValue() / 1000.0, micros.getTotalCount());
        }
    }

    /** A sustained rate: {@code tasks} completed in {@code seconds} of load. */
    public record Rate(double tasksPerSec, long tasks, double seconds) {
    }

    /** {@code throughput-kafka} and {@code throughput-rest}; either may be null. */
    public record Throughput(Rate kafka, Rate rest) {
    }

    /**
     * {@code latency}: start latency (due → handler start) of immediate and delayed tasks under
     * {@code loadTasksPerSec}, together and apart, and {@code POST /tasks} latency at
     * {@code submitRequestsPerSec} (measured from each request's due time, open loop).
     */
    public record Latency(double loadTasksPerSec, Percentiles start, Percentiles startImmediate,
                          Percentiles startDelayed, double submitRequestsPerSec, Percentiles submit) {
    }

    /**
     * {@code delayed}: {@code pending} tasks waiting at once; heap of the scheduler's JVM before they were
     * submitted and while they all wait ({@code heapMb}, after a GC); fire lateness (due → {@code QUEUED})
     * of the {@code burstTasks} that came due at {@code burstPerSec}.
     */
    public record Delayed(long pending, double heapMbBefore, double heapMb, long burstTasks, double burstPerSec,
                          Percentiles fireLateness, Percentiles start) {
    }

    /** One point of the {@code scaling} curve: worker processes (of {@code slots} each) → completed tasks/s. */
    public record ScalingPoint(int workers, int slots, double tasksPerSec, double cpuBusy) {
    }

    /**
     * Every task of the run accounted for: {@code lost} = submitted tasks that should have completed and
     * did not, {@code duplicated} = tasks run more than once, {@code pending} = tasks still waiting on purpose
     * (the {@code delayed} scenario's far-future ones).
     */
    public record Tasks(long submitted, long completed, long lost, long duplicated, long pending) {
    }

    /** One target of the issue: its goal, what was measured, whether it is met, and why not. */
    public record Target(String name, String goal, String measured, boolean met, String reason) {
    }

    /** A time series: {@code t} seconds since the run started → value in {@code unit}. */
    public record Series(String name, String unit, List<Point> points) {
    }

    public record Point(double t, double value) {
    }

    /** One process over time: CPU in cores (1.0 = one core busy), heap and resident memory in MB (heap -1: not a JVM). */
    public record ProcessSeries(String name, long pid, List<ProcessSample> samples) {
    }

    public record ProcessSample(double t, double cpuCores, double heapMb, double rssMb) {
    }
}
