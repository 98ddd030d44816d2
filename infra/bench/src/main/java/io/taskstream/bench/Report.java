package io.taskstream.bench;

import java.io.PrintStream;
import java.util.Locale;

import org.HdrHistogram.Histogram;

/** Prints what a load run measured, in milliseconds, one figure per line. */
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
