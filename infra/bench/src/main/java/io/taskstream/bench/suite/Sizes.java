package io.taskstream.bench.suite;

import java.time.Duration;

/**
 * How big each scenario of a run is. {@link #full()} is what issue #8's targets are measured with (the
 * whole run in under 10 minutes on a 2-core machine); {@link #quick()} is the smoke test CI runs (every
 * scenario, tiny: it proves the pipeline accounts for every task, its timings mean nothing).
 *
 * @param jitWarmup        no-op tasks at full speed before the first scenario, unmeasured: a fresh JVM spends its
 *                         first minute compiling (measured: 600 tasks/s cold, several times that warm)
 * @param warmup           unmeasured load before each measured window (caches, partition leaders)
 * @param throughput       measured window of {@code throughput-kafka} (the issue: 60 s)
 * @param restThroughput   measured window of {@code throughput-rest}
 * @param restBatch        tasks per {@code POST /tasks:batch}
 * @param restSenders      concurrent batch requests
 * @param backlog          tasks submitted but not yet {@code COMPLETED} in the projection at which the
 *                         throughput producers pause: keeps the pipeline saturated without queueing minutes
 *                         of work that would outlast the window
 * @param latency          measured window of the start-latency load
 * @param defaultPeak      tasks/s taken as the peak when {@code throughput-kafka} is not part of the run
 * @param submitRate       {@code POST /tasks} per second for the submission latency (the issue: 1,000)
 * @param submit           measured window of the submission latency
 * @param pending          delayed tasks waiting at once (the issue: 1,000,000), the burst included
 * @param burst            of those, how many come due in the burst
 * @param burstRate        tasks coming due per second in the burst (the issue: 10,000)
 * @param scaling          measured window of each worker count
 * @param scalingWorkers   the largest number of worker processes (1 → n)
 * @param slots            slots of each worker process (the issue: 100)
 * @param scalingTaskMs    how long each scaling task sleeps (the issue: 20 ms)
 */
public record Sizes(Duration jitWarmup, Duration warmup, Duration throughput, Duration restThroughput, int restBatch, int restSenders,
                    long backlog, Duration latency, double defaultPeak, double submitRate, Duration submit,
                    long pending, long burst, double burstRate, Duration scaling, int scalingWorkers, int slots,
                    int scalingTaskMs) {

    public static Sizes full() {
        return new Sizes(Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofSeconds(60),
                Duration.ofSeconds(20), 1000, 4, 40_000, Duration.ofSeconds(20), 2_000, 1_000, Duration.ofSeconds(20),
                1_000_000, 100_000, 10_000, Duration.ofSeconds(20), 3, 100, 20);
    }

    public static Sizes quick() {
        return new Sizes(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(2), 200, 2,
                2_000, Duration.ofSeconds(2), 500, 100, Duration.ofSeconds(2), 5_000, 1_000, 1_000,
                Duration.ofSeconds(2), 2, 100, 20);
    }
}
