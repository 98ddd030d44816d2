package io.taskstream.bench.suite;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

import io.taskstream.bench.process.ProcessSampler;
import io.taskstream.bench.report.BenchReport.Rate;
import io.taskstream.bench.report.BenchReport.Series;
import io.taskstream.bench.report.BenchReport.Tasks;
import io.taskstream.schemas.Topics;

/**
 * What the scenarios of one run share: the deployment, the Kafka producer, the ledger, the backlog gauge,
 * the process sampler, and what they leave for the report (time series, windows, notes, task counts).
 * Each scenario works under tenants named {@code bench-<run id>-<part>}, so its tasks are its own.
 */
final class Run {

    /** A scenario's measured window, in seconds since the run started (for the CPU breakdown of a target). */
    record Window(String scenario, double from, double to) {
    }

    /** Records one task run at once puts on its way: submission, dispatch, result, and three or four events. */
    static final int RECORDS_PER_TASK = 6;

    final Sizes sizes;
    final Deployment deployment;
    final Topics topics;
    final TaskProducer producer;
    final Ledger ledger;
    final Backlog backlog;
    final ProcessSampler sampler;
    final Clock clock;
    final RandomGenerator random;
    final PrintStream out;
    final String id;
    final Instant started;
    final List<Series> series = new ArrayList<>();
    final List<Window> windows = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    private long submitted;
    private long completed;
    private long lost;
    private long duplicated;
    private long pending;

    Run(Sizes sizes, Deployment deployment, Topics topics, TaskProducer producer, Ledger ledger, Backlog backlog,
        ProcessSampler sampler, Clock clock, RandomGenerator random, PrintStream out, String id, Instant started) {
        this.sizes = sizes;
        this.deployment = deployment;
        this.topics = topics;
        this.producer = producer;
        this.ledger = ledger;
        this.backlog = backlog;
        this.sampler = sampler;
        this.clock = clock;
        this.random = random;
        this.out = out;
        this.id = id;
        this.started = started;
    }

    /**
     * Keeps the pipeline saturated with tasks of {@code tenant} until {@code until}: sends in chunks of 100,
     * pausing while the backlog is at {@code cap}. Answers how many were sent.
     */
    long saturate(String tenant, String type, String payloadJson, long cap, Instant until) {
        long deadline = System.nanoTime() + Duration.between(clock.instant(), until).toNanos();
        long sent = 0;
        int chunk = (int) Math.max(1, Math.min(100, cap / RECORDS_PER_TASK));
        while (backlog.acquire(cap, chunk * RECORDS_PER_TASK, deadline)) {
            for (int i = 0; i < chunk; i++) {
                producer.send(tenant, type, payloadJson, null);
            }
            sent += chunk;
        }
        return sent;
    }

    /**
     * The end of a throughput window: waits (bounded) for the tenant's {@code submitted} tasks to end, then
     * answers what completed inside {@code [from, end)} per second, and leaves the series, the window and the
     * accounting for the report.
     */
    Measured measure(String scenario, String tenant, long submitted, Instant from, Instant end) throws Exception {
        long terminal = ledger.awaitTerminal(tenant, submitted, Duration.ofSeconds(120));
        long inWindow = ledger.completedBetween(tenant, from, end);
        double seconds = Duration.between(from, end).toNanos() / 1e9;
        series.add(new Series(scenario, "tasks/s completed", ledger.completionsPerSecond(tenant, started)));
        window(scenario, from, end);
        account(tenant, submitted, submitted, 0);
        return new Measured(new Rate(inWindow / seconds, inWindow, seconds), terminal);
    }

    /** A window's rate, and how many of its tasks had ended when the wait for them stopped. */
    record Measured(Rate rate, long terminal) {
    }

    String tenant(String part) {
        return "bench-" + id + "-" + part;
    }

    /** Seconds since the run started. */
    double t(Instant instant) {
        return Duration.between(started, instant).toNanos() / 1e9;
    }

    void window(String scenario, Instant from, Instant to) {
        windows.add(new Window(scenario, t(from), t(to)));
    }

    void note(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        notes.add(line);
        out.println("  note: " + line);
    }

    void print(String format, Object... args) {
        out.printf(Locale.ROOT, format + "%n", args);
    }

    /**
     * Accounts for one tenant's tasks: {@code submitted} were acknowledged, {@code expectedDone} of them
     * should have completed; the ledger says how many did, and how many ran more than once.
     */
    void account(String tenant, long submittedTasks, long expectedDone, long pendingOnPurpose) throws Exception {
        long done = ledger.completed(tenant);
        long twice = ledger.duplicated(tenant);
        submitted += submittedTasks;
        completed += done;
        lost += Math.max(0, expectedDone - done);
        duplicated += twice;
        pending += pendingOnPurpose;
        if (done < expectedDone || twice > 0) {
            note("tenant %s: %d of %d tasks completed, %d ran more than once", tenant, done, expectedDone, twice);
        }
    }

    /** Tasks submitted to wait on purpose (due long after the run), not looked up one by one. */
    void accountPending(long tasks) {
        submitted += tasks;
        pending += tasks;
    }

    Tasks tasks() {
        return new Tasks(submitted, completed, lost, duplicated, pending);
    }
}
