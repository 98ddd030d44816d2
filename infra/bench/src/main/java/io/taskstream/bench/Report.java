package io.taskstream.bench;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import org.HdrHistogram.Histogram;

/** Prints what a run measured, in milliseconds, one figure per line. */
public final class Report {

    private Report() {
    }

    public static void print(PrintStream out, OpenLoop.Result result) {
        out.printf(Locale.ROOT, "  recorded %d requests (%.0f/s); answers %s; errors (no answer) %d%n",
                result.recorded(), result.throughput(), result.statuses(), result.errors());
        out.println("  latency from due time: " + percentiles(result.latencyMicros()));
        out.println("  service time:          " + percentiles(result.serviceMicros()));
        out.printf(Locale.ROOT, "  generator behind schedule at most %.1f ms%n", result.behindMicrosMax() / 1000.0);
    }

    private static final DateTimeFormatter FIRE_TIME = DateTimeFormatter.ofPattern("HH:mm:ss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /** The figures of a {@code schedules} run: each measured fire time, then all of them, then the unmeasured. */
    public static void print(PrintStream out, FireLedger.Summary summary) {
        for (FireLedger.Figures minute : summary.measured()) {
            out.printf(Locale.ROOT, "  fire time %s: %s%n", fireTime(minute.fireTime()), counts(minute));
            latenesses(out, minute);
        }
        FireLedger.Figures all = summary.overall();
        out.printf(Locale.ROOT, "  all %d fire times: %s%n", all.fireTimes(), counts(all));
        out.printf(Locale.ROOT, "    duplicates: same task id fired again %d, a second task for one fire %d; "
                + "tasks queued again %d; timestamps before the fire time %d%n",
                all.sameTaskAgain(), all.secondTask(), all.queuedAgain(), all.early());
        latenesses(out, all);
        FireLedger.Figures warmUp = summary.warmUp();
        out.printf(Locale.ROOT, "  not measured: the first fire time, %s (the definitions were written in the "
                        + "minute before it): %s, fire lateness p95 %s; %d fires of other fire times%n",
                fireTime(warmUp.fireTime()), counts(warmUp), p95(warmUp), summary.outside());
    }

    private static String counts(FireLedger.Figures f) {
        return String.format(Locale.ROOT, "fired %d of %d, duplicates %d, queued %d, completed %d", f.fired(),
                f.expected(), f.duplicates(), f.queued(), f.completed());
    }

    private static void latenesses(PrintStream out, FireLedger.Figures f) {
        out.println("    fire lateness (fired - due):           " + percentiles(f.fireLateness()));
        out.println("    queue lateness (queued - due):         " + percentiles(f.queueLateness()));
        out.println("    completion lateness (completed - due): " + percentiles(f.completionLateness()));
    }

    private static String p95(FireLedger.Figures f) {
        return f.fireLateness().getTotalCount() == 0 ? "-"
                : String.format(Locale.ROOT, "%.1f ms", f.fireLateness().getValueAtPercentile(95) / 1000.0);
    }

    static String fireTime(Instant fireTime) {
        return FIRE_TIME.format(fireTime);
    }

    /** {@code p50 1.2 ms, p95 …, p99 …, max …} of a histogram of microseconds. */
    public static String percentiles(Histogram micros) {
        if (micros.getTotalCount() == 0) {
            return "no samples";
        }
        return String.format(Locale.ROOT, "p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms",
                micros.getValueAtPercentile(50) / 1000.0, micros.getValueAtPercentile(95) / 1000.0,
                micros.getValueAtPercentile(99) / 1000.0, micros.getMaxValue() / 1000.0);
    }
}
