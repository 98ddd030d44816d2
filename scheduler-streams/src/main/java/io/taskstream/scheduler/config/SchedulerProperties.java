package io.taskstream.scheduler.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The scheduler's settings, bound from {@code taskstream.scheduler.*} (environment variables
 * {@code TASKSTREAM_SCHEDULER_*}). Defaults live here and nowhere else; a wrong value stops the
 * process at start-up with one message naming the property. Unknown properties under the prefix
 * are rejected too, so a typo never silently falls back to a default.
 *
 * @param applicationId       the Kafka Streams {@code application.id}: the consumer group, the
 *                            prefix of the changelog topics and of the transactional ids; two
 *                            schedulers with the same id share the work, so change it only with
 *                            a fresh deployment
 * @param stateDir            where RocksDB keeps the task state; empty = a fresh temporary
 *                            directory per instance, deleted on close (every start then restores
 *                            the state from the changelog topics); set a persistent volume in
 *                            production to restart fast
 * @param streamThreads       stream threads ({@code num.stream.threads}); more than the partitions
 *                            of the submit topics leaves threads idle
 * @param processingGuarantee {@code exactly_once_v2} (default: state and outputs commit
 *                            atomically, a crash never emits a dispatch twice) or
 *                            {@code at_least_once} (lower latency; a crash may repeat outputs)
 * @param commitInterval      how often offsets, state and transactions commit; under
 *                            exactly-once it bounds how long a dispatch stays invisible to workers
 * @param replicationFactor   replication of the changelog topics the topology creates; {@code -1}
 *                            uses the broker's default
 * @param dispatchGrace       added to a task's timeout to form the dispatch deadline (the
 *                            visibility timeout): the worker's own timeout fires first, so a slow
 *                            but honest worker still reports before the scheduler gives up
 * @param punctuateInterval   how often (wall-clock) the timer store is scanned for tasks that
 *                            became due; the lateness of a delayed task is at most this plus
 *                            {@code commitInterval}
 * @param maxDuePerTick       at most this many due tasks are dispatched per scan and stream task,
 *                            so one scan never stalls the stream thread; the rest go next tick
 * @param closeTimeout        how long closing waits for the stream threads to commit and leave
 *                            the group on shutdown
 */
@ConfigurationProperties(prefix = "taskstream.scheduler", ignoreUnknownFields = false)
public record SchedulerProperties(
        String applicationId,
        Path stateDir,
        Integer streamThreads,
        ProcessingGuarantee processingGuarantee,
        Duration commitInterval,
        Integer replicationFactor,
        Duration dispatchGrace,
        Duration punctuateInterval,
        Integer maxDuePerTick,
        Duration closeTimeout) {

    /** The values of Kafka Streams' {@code processing.guarantee} the scheduler supports. */
    public enum ProcessingGuarantee {
        EXACTLY_ONCE_V2("exactly_once_v2"), AT_LEAST_ONCE("at_least_once");

        private final String config;

        ProcessingGuarantee(String config) {
            this.config = config;
        }

        /** The value Kafka Streams expects. */
        public String config() {
            return config;
        }
    }

    public SchedulerProperties {
        applicationId = Objects.requireNonNullElse(applicationId, "taskstream-scheduler");
        streamThreads = Objects.requireNonNullElse(streamThreads, 1);
        processingGuarantee = Objects.requireNonNullElse(processingGuarantee, ProcessingGuarantee.EXACTLY_ONCE_V2);
        commitInterval = Objects.requireNonNullElse(commitInterval, Duration.ofMillis(100));
        replicationFactor = Objects.requireNonNullElse(replicationFactor, -1);
        dispatchGrace = Objects.requireNonNullElse(dispatchGrace, Duration.ofSeconds(30));
        punctuateInterval = Objects.requireNonNullElse(punctuateInterval, Duration.ofMillis(100));
        maxDuePerTick = Objects.requireNonNullElse(maxDuePerTick, 1_000);
        closeTimeout = Objects.requireNonNullElse(closeTimeout, Duration.ofSeconds(30));

        if (applicationId.isBlank() || !applicationId.matches("[a-zA-Z0-9._-]+")) {
            throw new IllegalArgumentException(
                    "taskstream.scheduler.application-id may only contain letters, digits, '.', '_' and '-'");
        }
        if (streamThreads < 1) {
            throw new IllegalArgumentException("taskstream.scheduler.stream-threads must be at least 1");
        }
        requirePositive(commitInterval, "commit-interval");
        if (replicationFactor == 0 || replicationFactor < -1) {
            throw new IllegalArgumentException("taskstream.scheduler.replication-factor must be -1 or positive");
        }
        if (dispatchGrace.isNegative()) {
            throw new IllegalArgumentException("taskstream.scheduler.dispatch-grace must not be negative");
        }
        requirePositive(punctuateInterval, "punctuate-interval");
        if (maxDuePerTick < 1) {
            throw new IllegalArgumentException("taskstream.scheduler.max-due-per-tick must be at least 1");
        }
        requirePositive(closeTimeout, "close-timeout");
    }

    /** Every default, as if nothing were configured. */
    public static SchedulerProperties defaults() {
        return new SchedulerProperties(null, null, null, null, null, null, null, null, null, null);
    }

    public SchedulerProperties withStateDir(Path newStateDir) {
        return new SchedulerProperties(applicationId, newStateDir, streamThreads, processingGuarantee, commitInterval,
                replicationFactor, dispatchGrace, punctuateInterval, maxDuePerTick, closeTimeout);
    }

    private static void requirePositive(Duration value, String name) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("taskstream.scheduler." + name + " must be positive");
        }
    }
}
