package io.taskstream.scheduler.output;

import java.time.Duration;
import java.util.Objects;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskStatus;

/**
 * The scheduler's counters, one method per thing that happens (names as Prometheus shows them).
 * Handed to the topology as an object, so a test gives it a {@code SimpleMeterRegistry} and reads
 * the counts back.
 */
public final class SchedulerMetrics {

    /**
     * The key under which the Kafka Streams configuration carries this object to the exception
     * handlers Kafka instantiates by class name (they read it in {@code configure}).
     */
    public static final String CONFIG_KEY = "taskstream.scheduler.metrics";

    private final MeterRegistry registry;

    public SchedulerMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
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

    /** {@code scheduler_tasks_finished_total{status}}: a task reached a terminal status. */
    public void finished(TaskStatus status) {
        registry.counter("scheduler.tasks.finished", "status", status.name()).increment();
    }

    /** {@code scheduler_timeouts_total}: an in-flight attempt passed its deadline without a result ({@code TIMED_OUT}). */
    public void timedOut() {
        registry.counter("scheduler.timeouts").increment();
    }

    /** {@code scheduler_retries_scheduled_total}: a failed attempt got a next one ({@code RETRY_SCHEDULED}). */
    public void retryScheduled() {
        registry.counter("scheduler.retries.scheduled").increment();
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
}
