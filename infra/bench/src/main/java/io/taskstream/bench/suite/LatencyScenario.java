package io.taskstream.bench.suite;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

import io.taskstream.bench.OpenLoop;
import io.taskstream.bench.Report;
import io.taskstream.bench.SubmitScenario;
import io.taskstream.bench.report.BenchReport.Latency;
import io.taskstream.bench.report.BenchReport.Percentiles;

/**
 * {@code latency}: start latency (due → handler start) at half of the peak — no-op tasks written straight to
 * Kafka at that rate, open loop, alternately to run at once and due 2 s later, each kind under a tenant of
 * its own — then submission latency: {@code POST /tasks} at {@code submitRate} per second through
 * {@link SubmitScenario} (the open-loop generator of issue #5), of tasks due in an hour so that only the
 * submission path is measured; those stay pending.
 */
final class LatencyScenario {

    static final String NAME = "latency";
    static final Duration DELAYED_BY = Duration.ofSeconds(2);

    private LatencyScenario() {
    }

    static Latency run(Run run, double peak) throws Exception {
        Sizes sizes = run.sizes;
        double rate = Math.max(10, peak / 2);
        String immediate = run.tenant("now");
        String delayed = run.tenant("later");
        run.print("%s: %.0f tasks/s (half of %.0f), half at once and half due %d s later, %d s warm-up + %d s measured",
                NAME, rate, peak, DELAYED_BY.toSeconds(), sizes.warmup().toSeconds(), sizes.latency().toSeconds());
        long before = run.producer.acknowledged();
        Instant start = run.clock.instant();
        Instant from = start.plus(sizes.warmup());
        long total = (long) (rate * (sizes.warmup().plus(sizes.latency()).toNanos() / 1e9));
        long startNanos = System.nanoTime();
        long sentImmediate = 0;
        long sentDelayed = 0;
        for (long i = 0; i < total; i++) {
            long due = startNanos + (long) (i * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // open loop: each task at its own time
            }
            if (i % 2 == 0) {
                run.producer.send(immediate, "noop", "{}", null);
                sentImmediate++;
            } else {
                run.producer.send(delayed, "noop", "{}",
                        run.clock.instant().plus(DELAYED_BY).truncatedTo(ChronoUnit.MILLIS));
                sentDelayed++;
            }
        }
        Instant end = run.clock.instant();
        run.producer.flush();
        if (run.producer.acknowledged() - before < sentImmediate + sentDelayed) {
            run.note("%s: %d of %d sends were not acknowledged", NAME,
                    sentImmediate + sentDelayed - (run.producer.acknowledged() - before), sentImmediate + sentDelayed);
        }
        run.ledger.awaitTerminal(immediate, sentImmediate, Duration.ofSeconds(60));
        run.ledger.awaitTerminal(delayed, sentDelayed, Duration.ofSeconds(60));
        Ledger.StartLatency now = run.ledger.startLatency(immediate, from);
        Ledger.StartLatency later = run.ledger.startLatency(delayed, from);
        if (now.early() + later.early() > 0) {
            run.note("%s: %d tasks started before they were due", NAME, now.early() + later.early());
        }
        Histogram both = now.micros().copy();
        both.add(later.micros());
        run.window(NAME, from, end);
        run.account(immediate, sentImmediate, sentImmediate, 0);
        run.account(delayed, sentDelayed, sentDelayed, 0);
        run.print("  start latency, at once: %s", describe(now.micros()));
        run.print("  start latency, delayed: %s", describe(later.micros()));

        OpenLoop.Result submit = submitLatency(run);
        return new Latency(rate, Percentiles.ofMicros(both), Percentiles.ofMicros(now.micros()),
                Percentiles.ofMicros(later.micros()), sizes.submitRate(), Percentiles.ofMicros(submit.latencyMicros()));
    }

    private static OpenLoop.Result submitLatency(Run run) throws Exception {
        Sizes sizes = run.sizes;
        Instant from = run.clock.instant().plus(sizes.warmup());
        OpenLoop.Result result = submit(run, sizes.submitRate(), sizes.warmup(), sizes.submit());
        run.window(NAME + " (POST /tasks)", from, run.clock.instant());
        long accepted = result.count(202);
        // due in an hour: pending on purpose (the warm-up's submissions are not counted: not recorded)
        run.accountPending(accepted);
        if (result.recorded() > accepted) {
            run.note("%s: %d of %d recorded POST /tasks were not answered 202: %s", NAME,
                    result.recorded() - accepted, result.recorded(), result.statuses());
        }
        return result;
    }

    /** {@code POST /tasks} of no-op tasks due in an hour at {@code rate} per second, open loop. */
    static OpenLoop.Result submit(Run run, double rate, Duration warmup, Duration measured) throws Exception {
        Deployment.Endpoints endpoints = run.deployment.endpoints();
        String body = "{\"type\": \"noop\", \"payload\": {}, \"delay\": \"PT1H\", \"labels\": {\"bench\": \""
                + run.id + "\"}}";
        return new SubmitScenario(URI.create(endpoints.apiUrl()), endpoints.adminKey(), endpoints.kafka(), rate,
                warmup, measured, 0, body, false, run.topics, BenchSuite.PROJECTION_GROUP, BenchSuite.WORKER_GROUP,
                Duration.ofSeconds(30)).run(run.out);
    }

    static String describe(Histogram micros) {
        return Report.percentiles(micros) + " (" + micros.getTotalCount() + " tasks)";
    }
}
