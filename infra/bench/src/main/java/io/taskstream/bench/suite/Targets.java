package io.taskstream.bench.suite;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.taskstream.bench.report.BenchReport.Delayed;
import io.taskstream.bench.report.BenchReport.Latency;
import io.taskstream.bench.report.BenchReport.ProcessSample;
import io.taskstream.bench.report.BenchReport.ProcessSeries;
import io.taskstream.bench.report.BenchReport.Rate;
import io.taskstream.bench.report.BenchReport.ScalingPoint;
import io.taskstream.bench.report.BenchReport.Target;
import io.taskstream.bench.report.BenchReport.Throughput;

/**
 * Issue #8's targets against what a run measured. A target that is missed says by how much and where the
 * machine's CPU went during that scenario's window (mean cores per process, from the process samples) —
 * on two cores with everything co-located that is usually the reason; {@code docs/performance.md} has the
 * profiles behind it. A scenario that was not run leaves its targets out.
 */
final class Targets {

    static final double KAFKA_TASKS_PER_SEC = 28_000;
    static final double REST_TASKS_PER_SEC = 10_000;
    static final double START_P99_MS = 25;
    static final double SUBMIT_P95_MS = 10;
    static final double FIRE_P99_MS = 100;
    /** "Heap stays flat": at most this many bytes of heap per pending task (100 MB for a million). */
    static final double HEAP_BYTES_PER_PENDING = 100;
    /** A step of the scaling curve "grows" when it adds this fraction, unless the machine was this busy. */
    static final double SCALING_GROWTH = 0.10;
    static final double SCALING_CPU_BOUND = 0.90;

    private Targets() {
    }

    static List<Target> evaluate(Throughput throughput, Latency latency, Delayed delayed, List<ScalingPoint> scaling,
                                 List<Run.Window> windows, List<ProcessSeries> processes, int cpus) {
        List<Target> targets = new ArrayList<>();
        if (throughput != null && throughput.kafka() != null) {
            targets.add(atLeast("throughput via Kafka", KAFKA_TASKS_PER_SEC, throughput.kafka(),
                    cpu(ThroughputKafka.NAME, windows, processes, cpus)));
        }
        if (throughput != null && throughput.rest() != null) {
            targets.add(atLeast("throughput via REST (/tasks:batch)", REST_TASKS_PER_SEC, throughput.rest(),
                    cpu(ThroughputRest.NAME, windows, processes, cpus)));
        }
        if (latency != null) {
            String why = cpu(LatencyScenario.NAME, windows, processes, cpus);
            targets.add(atMost(String.format(Locale.ROOT, "start latency P99, at once, at %.0f tasks/s",
                    latency.loadTasksPerSec()), START_P99_MS, latency.startImmediate().p99Ms(), why));
            targets.add(atMost(String.format(Locale.ROOT, "start latency P99, delayed, at %.0f tasks/s",
                    latency.loadTasksPerSec()), START_P99_MS, latency.startDelayed().p99Ms(), why));
            targets.add(new Target(String.format(Locale.ROOT, "submission latency P95 at %.0f requests/s",
                    latency.submitRequestsPerSec()), "≤ " + ms(SUBMIT_P95_MS), ms(latency.submit().p95Ms()),
                    latency.submit().p95Ms() <= SUBMIT_P95_MS && latency.submit().count() > 0,
                    latency.submit().p95Ms() <= SUBMIT_P95_MS ? ""
                            : gap(latency.submit().p95Ms(), SUBMIT_P95_MS) + "; "
                            + cpu(LatencyScenario.NAME + " (POST /tasks)", windows, processes, cpus)));
        }
        if (delayed != null) {
            targets.add(atMost(String.format(Locale.ROOT, "fire lateness P99, %d pending, %d due at %.0f/s",
                    delayed.pending(), delayed.burstTasks(), delayed.burstPerSec()), FIRE_P99_MS,
                    delayed.fireLateness().p99Ms(), cpu(DelayedScenario.NAME, windows, processes, cpus)));
            if (delayed.heapMb() >= 0) {
                double allowed = delayed.pending() * HEAP_BYTES_PER_PENDING / 1e6;
                double grew = delayed.heapMb() - delayed.heapMbBefore();
                targets.add(new Target(String.format(Locale.ROOT, "heap flat with %d pending", delayed.pending()),
                        String.format(Locale.ROOT, "grows ≤ %.0f MB (%.0f bytes per task)", allowed,
                                HEAP_BYTES_PER_PENDING),
                        String.format(Locale.ROOT, "%.0f → %.0f MB after GC (%+.0f MB)", delayed.heapMbBefore(),
                                delayed.heapMb(), grew),
                        grew <= allowed, grew <= allowed ? "" : "the heap grew with the pending tasks"));
            }
        }
        if (!scaling.isEmpty()) {
            targets.add(scaling(scaling, cpus));
        }
        return targets;
    }

    private static Target atLeast(String name, double goal, Rate rate, String why) {
        boolean met = rate.tasksPerSec() >= goal;
        return new Target(name, String.format(Locale.ROOT, "≥ %,.0f tasks/s", goal),
                String.format(Locale.ROOT, "%,.0f tasks/s", rate.tasksPerSec()), met,
                met ? "" : String.format(Locale.ROOT, "%.0f %% of the target; %s", 100 * rate.tasksPerSec() / goal, why));
    }

    private static Target atMost(String name, double goalMs, double measuredMs, String why) {
        boolean met = measuredMs <= goalMs;
        return new Target(name, "≤ " + ms(goalMs), ms(measuredMs), met, met ? "" : gap(measuredMs, goalMs) + "; " + why);
    }

    static Target scaling(List<ScalingPoint> points, int cpus) {
        StringBuilder curve = new StringBuilder();
        boolean met = true;
        String reason = "";
        for (int i = 0; i < points.size(); i++) {
            ScalingPoint p = points.get(i);
            curve.append(i == 0 ? "" : " → ").append(String.format(Locale.ROOT, "%d: %,.0f/s (%.2f cores)",
                    p.workers(), p.tasksPerSec(), p.cpuBusy()));
            if (i > 0 && met) {
                ScalingPoint previous = points.get(i - 1);
                boolean grew = previous.tasksPerSec() > 0
                        && p.tasksPerSec() >= previous.tasksPerSec() * (1 + SCALING_GROWTH);
                boolean cpuBound = previous.cpuBusy() >= cpus * SCALING_CPU_BOUND;
                if (!grew && !cpuBound) {
                    met = false;
                    reason = String.format(Locale.ROOT, "%d → %d workers: %,.0f → %,.0f tasks/s with the machine %.0f %% busy",
                            previous.workers(), p.workers(), previous.tasksPerSec(), p.tasksPerSec(),
                            100 * previous.cpuBusy() / cpus);
                }
            }
        }
        return new Target("scaling 1 → " + points.getLast().workers() + " workers",
                "grows with slots until the CPU is the limit", curve.toString(), met, reason);
    }

    private static String gap(double measured, double goal) {
        return String.format(Locale.ROOT, "%.1f× the target", measured / goal);
    }

    private static String ms(double value) {
        return String.format(Locale.ROOT, "%.1f ms", value);
    }

    /** {@code machine busy 1.9 of 2 cores: devstack 1.2, postgres 0.3, …} over a scenario's window. */
    static String cpu(String scenario, List<Run.Window> windows, List<ProcessSeries> processes, int cpus) {
        Optional<Run.Window> window = windows.stream().filter(w -> w.scenario().equals(scenario)).findFirst();
        if (window.isEmpty()) {
            return "no CPU figures for the window";
        }
        record Share(String name, double cores) {
        }
        List<Share> shares = new ArrayList<>();
        for (ProcessSeries process : processes) {
            // a sample covers the second before its t: the one just after the window's end still belongs to it
            double mean = process.samples().stream()
                    .filter(s -> s.t() >= window.get().from() && s.t() <= window.get().to() + 1.0)
                    .mapToDouble(ProcessSample::cpuCores).average().orElse(0);
            if (mean >= 0.01) {
                shares.add(new Share(process.name(), mean));
            }
        }
        shares.sort(Comparator.comparingDouble(Share::cores).reversed());
        double total = shares.stream().mapToDouble(Share::cores).sum();
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "processes busy %.2f of %d cores", total,
                cpus));
        for (int i = 0; i < shares.size(); i++) {
            text.append(i == 0 ? ": " : ", ").append(String.format(Locale.ROOT, "%s %.2f", shares.get(i).name(),
                    shares.get(i).cores()));
        }
        return text.toString();
    }
}
