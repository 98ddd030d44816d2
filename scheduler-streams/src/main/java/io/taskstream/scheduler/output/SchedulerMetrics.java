package io.taskstream.scheduler.output;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.metrics.BoundedTagValues;

/**
 * The scheduler's counters, one method per thing that happens (names as Prometheus shows them).
 * Handed to the topology as an object, so a test gives it a {@code SimpleMeterRegistry} and reads
 * the counts back.
 *
 * <p>The task counters ({@code tasks_submitted_total}, {@code tasks_completed_total}, …) are tagged
 * {@code tenant}, {@code type} and {@code priority} (the topic suffix: {@code normal}); tenants and
 * types are {@linkplain BoundedTagValues bounded}, the first {@code max-tag-values} of each kept and
 * later ones reported as {@code other}.
 */
public final class SchedulerMetrics {

    public static final String TASKS_SUBMITTED = "tasks.submitted";
    public static final String TASKS_COMPLETED = "tasks.completed";
    public static final String TASKS_FAILED = "tasks.failed";
    public static final String TASKS_CANCELLED = "tasks.cancelled";
    public static final String TASKS_RETRIED = "tasks.retried";
    public static final String TASKS_DEAD_LETTERED = "tasks.dead_lettered";
    public static final String TIMER_STORE_SIZE = "scheduler.timer.store.size";

    /**
     * The key under which the Kafka Streams configuration carries this object to the exception
     * handlers Kafka instantiates by class name (they read it in {@code configure}).
     */
    public static final String CONFIG_KEY = "taskstream.scheduler.metrics";

    /** The reasons a result is stale ({@link #staleResult}). */
    public static final List<String> STALE_REASONS = List.of("unknown_task", "tenant_mismatch", "terminal",
            "stale_attempt", "fenced", "superseded_attempt");
    /** The kinds of output records the topology could not write ({@link #productionError}). */
    public static final List<String> PRODUCTION_ERRORS = List.of("record_too_large", "send_failed", "serialization");

    private final MeterRegistry registry;
    private final BoundedTagValues tenants;
    private final BoundedTagValues types;

    /** With the default bound on tenants and types ({@value BoundedTagValues#DEFAULT_MAX_VALUES} each). */
    public SchedulerMetrics(MeterRegistry registry) {
        this(registry, BoundedTagValues.DEFAULT_MAX_VALUES);
    }

    /** @param maxTagValues the distinct tenants, and the distinct types, reported by name ({@code taskstream.metrics.max-tag-values}) */
    public SchedulerMetrics(MeterRegistry registry, int maxTagValues) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tenants = new BoundedTagValues(maxTagValues);
        this.types = new BoundedTagValues(maxTagValues);
        // what alerts and dashboards read exists from the start, at 0: increase() cannot see the first
        // increment of a series that appears with it, and a panel of a missing series shows "no data"
        STALE_REASONS.forEach(reason -> registry.counter("scheduler.stale.results", "reason", reason));
        PRODUCTION_ERRORS.forEach(kind -> registry.counter("scheduler.production.errors", "kind", kind));
        registry.counter("scheduler.timeouts");
        registry.counter("scheduler.deferrals");
    }

    /**
     * Registers {@code scheduler_processing_errors_total} at 0 for each processor (and punctuator) of the
     * topology, so the first error of each is an increase like any other.
     */
    public void expectProcessors(Collection<String> processors) {
        processors.forEach(processor -> registry.counter("scheduler.processing.errors", "processor", processor));
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** {@code tasks_rejected_total{reason}}: a submit record that could not be read or broke the schema. */
    public void submissionRejected(String reason) {
        registry.counter("tasks.rejected", "reason", reason).increment();
    }

    /** {@code scheduler_duplicate_submissions_total}: a submission whose task id was already admitted. */
    public void duplicateSubmission() {
        registry.counter("scheduler.duplicate.submissions").increment();
    }

    /**
     * {@code scheduler_stale_results_total{reason}}: a result for an unknown task, an old attempt, a
     * finished task, a dispatch a deferral replaced ({@code superseded_attempt}) or from a worker whose
     * lease a later one superseded ({@code fenced}).
     */
    public void staleResult(String reason) {
        registry.counter("scheduler.stale.results", "reason", reason).increment();
    }

    /** {@code scheduler_rejected_results_total{reason}}: a {@code results} record that could not be read. */
    public void resultRejected(String reason) {
        registry.counter("scheduler.rejected.results", "reason", reason).increment();
    }

    /** {@code scheduler_dispatches_total{priority}}: an attempt handed to workers. */
    public void dispatched(Priority priority) {
        registry.counter("scheduler.dispatches", "priority", priority.topicSuffix()).increment();
    }

    /** {@code tasks_submitted_total{tenant,type,priority}}: a new task was admitted (whatever its first status). */
    public void submitted(TaskSubmission task) {
        taskCounter(TASKS_SUBMITTED, task.tenantId(), task.type(), task.priority()).increment();
    }

    /**
     * {@code tasks_completed_total}, {@code tasks_failed_total} or {@code tasks_cancelled_total}
     * {@code {tenant,type,priority}}: a task reached that terminal status.
     */
    public void ended(TaskStatus status, TaskSubmission task) {
        ended(status, task.tenantId(), task.type(), task.priority());
    }

    /** As {@link #ended(TaskStatus, TaskSubmission)}, for a task known only by its parts (an invalid record; type may be null). */
    public void ended(TaskStatus status, String tenantId, String type, Priority priority) {
        String name = switch (status) {
            case COMPLETED -> TASKS_COMPLETED;
            case FAILED -> TASKS_FAILED;
            case CANCELLED -> TASKS_CANCELLED;
            default -> throw new IllegalArgumentException(status + " is not a terminal status");
        };
        taskCounter(name, tenantId, type, priority).increment();
    }

    /** {@code scheduler_timeouts_total}: an in-flight attempt passed its deadline without a result ({@code TIMED_OUT}). */
    public void timedOut() {
        registry.counter("scheduler.timeouts").increment();
    }

    /**
     * {@code tasks_retried_total{tenant,type,priority}}: a failed or timed-out attempt got a next one
     * ({@code RETRY_SCHEDULED}); a deferral is not a retry ({@link #deferred}).
     */
    public void retried(TaskSubmission task) {
        taskCounter(TASKS_RETRIED, task.tenantId(), task.type(), task.priority()).increment();
    }

    /** {@code tasks_dead_lettered_total{tenant,type,priority}}: a task's dead letter was written to {@code dlq}. */
    public void deadLettered(String tenantId, String type, Priority priority) {
        taskCounter(TASKS_DEAD_LETTERED, tenantId, type, priority).increment();
    }

    /**
     * {@code scheduler_timer_store_size}: tasks waiting for their time ({@code SCHEDULED},
     * {@code RETRY_SCHEDULED}) in this instance's timer store, as {@code entries} reads it. Registered
     * once per registry: a second call keeps the first reader.
     */
    public void timerStoreSize(LongSupplier entries) {
        Gauge.builder(TIMER_STORE_SIZE, entries::getAsLong)
                .description("Tasks waiting for their due time in the scheduler's timer store (approximate)")
                .register(registry);
    }

    /**
     * {@code scheduler_deferrals_total}: an attempt in flight was deferred ({@code DEFERRED}): the task
     * waits ({@code RETRY_SCHEDULED}) for the result's {@code retryAt}, clamped, without counting the attempt.
     */
    public void deferred() {
        registry.counter("scheduler.deferrals").increment();
    }

    /**
     * {@code scheduler_cancellations_total{stage}}: a {@code CANCEL} took effect; {@code stage} is
     * {@code waiting} (removed before dispatch), {@code in_flight} (the attempt's outcome will end the
     * task) or {@code not_admitted} (the command overtook the submission).
     */
    public void cancelled(String stage) {
        registry.counter("scheduler.cancellations", "stage", stage).increment();
    }

    /**
     * {@code scheduler_reprioritizations_total{stage}}: a {@code REPRIORITIZE} took effect; {@code stage}
     * is {@code waiting} (the next dispatch moves) or {@code not_admitted} (the command overtook the
     * submission, which will be admitted with the new priority).
     */
    public void reprioritized(String stage) {
        registry.counter("scheduler.reprioritizations", "stage", stage).increment();
    }

    /**
     * {@code scheduler_replays_total{from}}: a {@code FAILED} task was replayed; {@code from} is
     * {@code state} (the scheduler still held the task) or {@code command} (its state was purged, and
     * it was re-admitted from the submission the command carried).
     */
    public void replayed(String from) {
        registry.counter("scheduler.replays", "from", from).increment();
    }

    /** {@code scheduler_control_ignored_total{kind, reason}}: a control command that did not apply. */
    public void controlIgnored(String kind, String reason) {
        registry.counter("scheduler.control.ignored", "kind", kind, "reason", reason).increment();
    }

    /** {@code scheduler_rejected_control_total{reason}}: a {@code control} record that could not be read. */
    public void controlRejected(String reason) {
        registry.counter("scheduler.rejected.control", "reason", reason).increment();
    }

    /** {@code scheduler_tasks_purged_total}: a finished task's state was deleted at the end of its dedup window. */
    public void purged() {
        registry.counter("scheduler.tasks.purged").increment();
    }

    /** {@code scheduler_processing_errors_total{processor}}: a record or punctuation threw and was skipped. */
    public void processingError(String processor) {
        registry.counter("scheduler.processing.errors", "processor", processor).increment();
    }

    /** {@code scheduler_production_errors_total{kind}}: an output record could not be serialized or written. */
    public void productionError(String kind) {
        registry.counter("scheduler.production.errors", "kind", kind).increment();
    }

    /** {@code scheduler_rejected_schedules_total{reason}}: a {@code schedules} record that could not be used. */
    public void scheduleRejected(String reason) {
        registry.counter("scheduler.rejected.schedules", "reason", reason).increment();
    }

    /**
     * {@code scheduler_schedule_fires_total} and {@code scheduler_schedule_fire_lateness_seconds}: a schedule
     * fired a task, this long after its fire time.
     */
    public void scheduleFired(Duration lateness) {
        registry.counter("scheduler.schedule.fires").increment();
        Timer.builder("scheduler.schedule.fire.lateness").publishPercentileHistogram()
                .register(registry).record(lateness.isNegative() ? Duration.ZERO : lateness);
    }

    /** {@code scheduler_schedule_misfires_total{policy}}: a schedule was due longer than the misfire threshold. */
    public void scheduleMisfired(String policy) {
        registry.counter("scheduler.schedule.misfires", "policy", policy).increment();
    }

    /** {@code scheduler_schedule_skips_total{reason}}: a fire time fired no task ({@code overlap}: its last task still ran). */
    public void scheduleSkipped(String reason) {
        registry.counter("scheduler.schedule.skips", "reason", reason).increment();
    }

    private Counter taskCounter(String name, String tenantId, String type, Priority priority) {
        return registry.counter(name, "tenant", tenants.of(tenantId), "type", types.of(type),
                "priority", priority.topicSuffix());
    }
}
