package io.taskstream.bench.suite;

import java.time.Instant;

import io.taskstream.bench.report.BenchReport.Rate;

/**
 * {@code throughput-kafka}: no-op tasks written straight to {@code submit.normal} as fast as the pipeline
 * takes them (the producer pauses while the {@link Backlog} is over its cap), for a warm-up and then the
 * measured window. The rate is what completed — {@code COMPLETED} in PostgreSQL with a {@code finishedAt}
 * inside the window — divided by the window.
 */
final class ThroughputKafka {

    static final String NAME = "throughput-kafka";

    private ThroughputKafka() {
    }

    static Rate run(Run run) throws Exception {
        String tenant = run.tenant("kafka");
        Sizes sizes = run.sizes;
        run.print("%s: no-op tasks straight to Kafka, %d s warm-up + %d s measured, backlog cap %d records",
                NAME, sizes.warmup().toSeconds(), sizes.throughput().toSeconds(), sizes.backlog());
        long before = run.producer.acknowledged();
        Instant start = run.clock.instant();
        Instant from = start.plus(sizes.warmup());
        Instant until = from.plus(sizes.throughput());
        long sent = run.saturate(tenant, "noop", "{}", sizes.backlog(), until);
        Instant end = run.clock.instant();
        run.producer.flush();
        long submitted = run.producer.acknowledged() - before;
        Run.Measured measured = run.measure(NAME, tenant, submitted, from, end);
        Rate rate = measured.rate();
        run.print("  sent %d, acknowledged %d, terminal %d; %d completed in the %.1f s window: %.0f tasks/s",
                sent, submitted, measured.terminal(), rate.tasks(), rate.seconds(), rate.tasksPerSec());
        return rate;
    }
}
