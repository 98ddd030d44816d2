package io.taskstream.scheduler.control;

import java.time.Instant;

import org.apache.kafka.streams.processor.api.Record;

import io.taskstream.scheduler.lifecycle.TaskLifecycle;
import io.taskstream.scheduler.lifecycle.WireRecordProcessor;
import io.taskstream.scheduler.output.Outputs;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.state.TaskState;
import io.taskstream.schemas.ControlCommand;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.WireCodec;

/**
 * Applies the operators' {@link ControlCommand}s from {@code control} (keyed by task id, written by
 * the API, co-partitioned with the submit topics and {@code results}, so the task's state is here).
 * <ul>
 *   <li>{@code CANCEL}: a waiting task ({@code SCHEDULED}, {@code RETRY_SCHEDULED}, or due but not
 *       yet released by the tick) leaves the timers and ends {@code CANCELLED}; a task with an
 *       attempt in flight is marked, and that attempt's outcome decides ({@code COMPLETED} stays,
 *       anything else — a failure, a timeout — ends {@code CANCELLED}, never retried); a task id
 *       not admitted yet (the command overtook the submission) leaves a placeholder, so the
 *       submission ends {@code CANCELLED} when it comes.</li>
 *   <li>{@code REPRIORITIZE}: a waiting task's next dispatch goes to the new priority's ready
 *       topic, and an event with the same status, the new priority and the next version says so;
 *       a task id not admitted yet leaves a placeholder, so the submission is admitted with the new
 *       priority. Of both early commands, the cancel wins: a cancel replaces a re-prioritisation
 *       placeholder, a re-prioritisation of a cancel placeholder is ignored.</li>
 *   <li>{@code REPLAY}: a {@code FAILED} task runs again from attempt 1, {@code QUEUED} at the next
 *       version, so the projection moves it from {@code FAILED} to {@code QUEUED}. When the task's
 *       state is gone (purged at the end of its dedup window) the command's own {@code submission}
 *       re-admits it: {@code QUEUED} at the command's {@code lastVersion + 1} (the projection holds
 *       {@code FAILED} at {@code lastVersion} and applies only higher versions), attempt 1
 *       dispatched, a new dedup entry. Without state and without a submission there is nothing to
 *       run: ignored.</li>
 * </ul>
 * Placeholders live no longer than the dedup window (the purge index, like finished tasks). A
 * command that does not apply (terminal task, another tenant, already dispatched, …) changes
 * nothing and is counted in {@code scheduler_control_ignored_total{kind, reason}}. A record that
 * cannot be read, breaks the schema or is not keyed by its task id goes to {@code dlq} with a
 * {@code ts-error} reason and {@code scheduler_rejected_control_total{reason}}; it never fails a task.
 */
public final class ControlProcessor extends WireRecordProcessor<ControlCommand> {

    public ControlProcessor(SchemaValidator validator, TaskLifecycle.Rules rules) {
        super(ControlCommand.class, validator, rules, SchedulerMetrics::controlRejected, "apply control");
    }

    @Override
    protected void accept(ControlCommand command, Record<String, byte[]> record, Instant now) {
        if (!command.taskId().toString().equals(record.key())) {
            reject(record, WireCodec.INVALID, "control records are keyed by their task id " + command.taskId()
                    + ", not by " + record.key(), now);
        } else {
            apply(command, Outputs.traceparent(record.headers()), now);
        }
    }

    private void apply(ControlCommand command, String traceparent, Instant now) {
        TaskState state = store.get(command.taskId());
        if (state != null && !state.tenantId().equals(command.tenantId())) {
            ignore(command, "tenant_mismatch");
            return;
        }
        switch (command.kind()) {
            case CANCEL -> cancel(state, command, now);
            case REPRIORITIZE -> reprioritize(state, command, now);
            case REPLAY -> replay(state, command, traceparent, now);
        }
    }

    private void cancel(TaskState state, ControlCommand command, Instant now) {
        if (state == null || (state.isPlaceholder() && !state.cancelRequested())) {
            lifecycle.cancelBeforeAdmission(state, command, now);
        } else if (state.status().isTerminal()) {
            ignore(command, "terminal");
        } else if (state.isPlaceholder() || state.cancelRequested()) {
            ignore(command, "already_requested");
        } else if (state.isWaiting()) {
            lifecycle.cancelWaiting(state, command, now);
        } else {
            lifecycle.requestCancel(state, now);
        }
    }

    private void reprioritize(TaskState state, ControlCommand command, Instant now) {
        if (state == null) {
            lifecycle.reprioritizeBeforeAdmission(null, command, now);
        } else if (state.isPlaceholder()) {
            if (state.cancelRequested()) {
                ignore(command, "cancel_requested");
            } else if (state.requestedPriority() == command.priority()) {
                ignore(command, "unchanged");
            } else {
                lifecycle.reprioritizeBeforeAdmission(state, command, now);
            }
        } else if (state.status().isTerminal()) {
            ignore(command, "terminal");
        } else if (!state.isWaiting()) {
            ignore(command, "dispatched");
        } else if (state.submission().priority() == command.priority()) {
            ignore(command, "unchanged");
        } else {
            lifecycle.reprioritize(state, command, now);
        }
    }

    private void replay(TaskState state, ControlCommand command, String traceparent, Instant now) {
        if (state == null || state.isPlaceholder()) {
            if (command.submission() == null) {
                ignore(command, "unknown_task");
            } else {
                lifecycle.readmit(state, command.submission(), command.lastVersion(), traceparent, now);
            }
        } else if (state.status() != TaskStatus.FAILED) {
            ignore(command, "not_failed");
        } else if (state.submission() == null) {
            // an invalid record: there is nothing valid to run
            ignore(command, "invalid_record");
        } else {
            lifecycle.replay(state, now);
        }
    }

    private void ignore(ControlCommand command, String reason) {
        metrics.controlIgnored(command.kind().name(), reason);
    }
}
