package io.taskstream.scheduler.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

import org.springframework.boot.context.properties.ConfigurationProperties;

import io.taskstream.schemas.Backoff;

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
 * @param punctuateInterval   how often (wall-clock) the time indexes are scanned for tasks that
 *                            became due, attempts past their deadline and finished tasks past
 *                            their dedup window; the lateness of a delayed task is at most this
 *                            plus {@code commitInterval}
 * @param maxDuePerTick       per tick and stream task, at most this many due tasks are dispatched,
 *                            this many expired attempts timed out and this many finished tasks
 *                            purged, so one tick never stalls the stream thread; the rest wait for
 *                            the next tick (oldest first)
 * @param closeTimeout        how long closing waits for the stream threads to commit and leave
 *                            the group on shutdown
 * @param standbyReplicas     {@code num.standby.replicas}: warm copies of each stream task's state
 *                            on other instances, so a failover resumes without replaying the whole
 *                            changelog; with fewer instances than this + 1 some standbys stay unplaced
 * @param dedupWindow         how long a finished task's state is kept after it ended: within it a
 *                            submission with the same id is dropped as a duplicate, a late result is
 *                            recognised as stale and a {@code FAILED} task can be replayed; after it
 *                            the state is purged and the same id would be admitted as a new task
 * @param backoff             the retry backoff of tasks that do not bring their own: the wait after
 *                            attempt n is {@code min(max, initial × multiplier^(n-1))} ± {@code jitter}
 * @param deferral            the bounds on {@code DEFERRED} results (an attempt that asks to run again
 *                            later without counting as an attempt)
 * @param schedules           how cron schedules fire
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
        Duration closeTimeout,
        Integer standbyReplicas,
        Duration dedupWindow,
        BackoffDefaults backoff,
        DeferralLimits deferral,
        ScheduleSettings schedules) {

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

    /**
     * {@code taskstream.scheduler.backoff.*}: the deployment's default retry backoff (each field
     * defaults to {@link Backoff#DEFAULT}'s: 1 s, × 2, at most 5 min, ± 20 %).
     *
     * @param initial    wait after the first failed attempt (before jitter)
     * @param multiplier growth per further attempt, 1.0 to 10.0
     * @param max        longest wait (before jitter); not shorter than {@code initial}
     * @param jitter     spread as a fraction, 0.0 to 1.0: 0.2 makes a 10 s wait 8 to 12 s
     */
    public record BackoffDefaults(Duration initial, Double multiplier, Duration max, Double jitter) {

        public BackoffDefaults {
            initial = Objects.requireNonNullElse(initial, Backoff.DEFAULT.initial());
            multiplier = Objects.requireNonNullElse(multiplier, Backoff.DEFAULT.multiplier());
            max = Objects.requireNonNullElse(max, Backoff.DEFAULT.max());
            jitter = Objects.requireNonNullElse(jitter, Backoff.DEFAULT.jitter());
            backoff(initial, multiplier, max, jitter);
        }

        /** These settings as the wire's {@link Backoff}. */
        public Backoff toBackoff() {
            return backoff(initial, multiplier, max, jitter);
        }

        private static Backoff backoff(Duration initial, double multiplier, Duration max, double jitter) {
            try {
                return new Backoff(initial, multiplier, max, jitter);
            } catch (IllegalArgumentException e) {
                // not chained: the root cause is what the start-up failure shows, and it must name the property
                throw new IllegalArgumentException("taskstream.scheduler." + e.getMessage());
            }
        }
    }

    /**
     * {@code taskstream.scheduler.deferral.*}: how far and how often a task may be deferred.
     *
     * @param maxDelay   a {@code DEFERRED} result's {@code retryAt} further ahead than this is brought
     *                   back to now + this (one earlier than now runs at once); default 1 h
     * @param maxPerTask a task may be deferred this many times (since it was admitted or replayed); the
     *                   next {@code DEFERRED} result fails it ({@code too_many_deferrals}, dead-lettered),
     *                   so a task cannot bounce forever; default 100
     */
    public record DeferralLimits(Duration maxDelay, Integer maxPerTask) {

        public DeferralLimits {
            maxDelay = Objects.requireNonNullElse(maxDelay, Duration.ofHours(1));
            maxPerTask = Objects.requireNonNullElse(maxPerTask, 100);
            requirePositive(maxDelay, "deferral.max-delay");
            if (maxPerTask < 1) {
                throw new IllegalArgumentException("taskstream.scheduler.deferral.max-per-task must be at least 1");
            }
        }
    }

    /**
     * {@code taskstream.scheduler.schedules.*}: how cron schedules fire.
     *
     * @param minInterval      a definition on {@code schedules} whose fire times are closer than this is
     *                         dead-lettered (the API refuses it first, with its own setting)
     * @param misfireThreshold a fire time due longer ago than this (the scheduler was down, or the
     *                         partition had no owner) is a misfire, which the schedule's {@code misfirePolicy}
     *                         handles; a fire time due more recently fires late
     * @param lookahead        a fire time is fired this much ahead: its task is admitted ({@code SCHEDULED},
     *                         its runAt the fire time) and waits in the timer store, so at the fire time only
     *                         its release is left to do (0: fire at the fire time itself)
     */
    public record ScheduleSettings(Duration minInterval, Duration misfireThreshold, Duration lookahead) {

        public ScheduleSettings {
            minInterval = Objects.requireNonNullElse(minInterval, Duration.ofMinutes(1));
            misfireThreshold = Objects.requireNonNullElse(misfireThreshold, Duration.ofMinutes(1));
            lookahead = Objects.requireNonNullElse(lookahead, Duration.ofSeconds(2));
            requirePositive(minInterval, "schedules.min-interval");
            requirePositive(misfireThreshold, "schedules.misfire-threshold");
            if (lookahead.isNegative()) {
                throw new IllegalArgumentException("taskstream.scheduler.schedules.lookahead must not be negative");
            }
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
        standbyReplicas = Objects.requireNonNullElse(standbyReplicas, 1);
        dedupWindow = Objects.requireNonNullElse(dedupWindow, Duration.ofHours(24));
        backoff = Objects.requireNonNullElse(backoff, new BackoffDefaults(null, null, null, null));
        deferral = Objects.requireNonNullElse(deferral, new DeferralLimits(null, null));
        schedules = Objects.requireNonNullElse(schedules, new ScheduleSettings(null, null, null));

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
        if (standbyReplicas < 0) {
            throw new IllegalArgumentException("taskstream.scheduler.standby-replicas must not be negative");
        }
        requirePositive(dedupWindow, "dedup-window");
    }

    /** Every default, as if nothing were configured. */
    public static SchedulerProperties defaults() {
        return new SchedulerProperties(null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null);
    }

    public SchedulerProperties withStateDir(Path newStateDir) {
        return new SchedulerProperties(applicationId, newStateDir, streamThreads, processingGuarantee, commitInterval,
                replicationFactor, dispatchGrace, punctuateInterval, maxDuePerTick, closeTimeout, standbyReplicas,
                dedupWindow, backoff, deferral, schedules);
    }

    public SchedulerProperties withProcessingGuarantee(ProcessingGuarantee newGuarantee) {
        return new SchedulerProperties(applicationId, stateDir, streamThreads, newGuarantee, commitInterval,
                replicationFactor, dispatchGrace, punctuateInterval, maxDuePerTick, closeTimeout, standbyReplicas,
                dedupWindow, backoff, deferral, schedules);
    }

    public SchedulerProperties withPunctuateInterval(Duration newInterval) {
        return new SchedulerProperties(applicationId, stateDir, streamThreads, processingGuarantee, commitInterval,
                replicationFactor, dispatchGrace, newInterval, maxDuePerTick, closeTimeout, standbyReplicas,
                dedupWindow, backoff, deferral, schedules);
    }

    public SchedulerProperties withMaxDuePerTick(int newMax) {
        return new SchedulerProperties(applicationId, stateDir, streamThreads, processingGuarantee, commitInterval,
                replicationFactor, dispatchGrace, punctuateInterval, newMax, closeTimeout, standbyReplicas,
                dedupWindow, backoff, deferral, schedules);
    }

    public SchedulerProperties withDedupWindow(Duration newWindow) {
        return new SchedulerProperties(applicationId, stateDir, streamThreads, processingGuarantee, commitInterval,
                replicationFactor, dispatchGrace, punctuateInterval, maxDuePerTick, closeTimeout, standbyReplicas,
                newWindow, backoff, deferral, schedules);
    }

    public SchedulerProperties withBackoff(BackoffDefaults newBackoff) {
        return new SchedulerProperties(applicationId, stateDir, streamThreads, processingGuarantee, commitInterval,
                replicationFactor, dispatchGrace, punctuateInterval, maxDuePerTick, closeTimeout, standbyReplicas,
                dedupWindow, newBackoff, deferral, schedules);
    }

    public SchedulerProperties withDeferral(DeferralLimits newDeferral) {
        return new SchedulerProperties(applicationId, stateDir, streamThreads, processingGuarantee, commitInterval,
                replicationFactor, dispatchGrace, punctuateInterval, maxDuePerTick, closeTimeout, standbyReplicas,
                dedupWindow, backoff, newDeferral, schedules);
    }

    public SchedulerProperties withSchedules(ScheduleSettings newSchedules) {
        return new SchedulerProperties(applicationId, stateDir, streamThreads, processingGuarantee, commitInterval,
                replicationFactor, dispatchGrace, punctuateInterval, maxDuePerTick, closeTimeout, standbyReplicas,
                dedupWindow, backoff, deferral, newSchedules);
    }

    private static void requirePositive(Duration value, String name) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("taskstream.scheduler." + name + " must be positive");
        }
    }
}
