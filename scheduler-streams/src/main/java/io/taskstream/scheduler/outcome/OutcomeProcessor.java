package io.taskstream.scheduler.outcome;

import java.time.Instant;
import java.util.Optional;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import io.taskstream.scheduler.dispatch.Dispatcher;
import io.taskstream.scheduler.output.DeadLetters;
import io.taskstream.scheduler.output.Outputs;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.state.TaskState;
import io.taskstream.scheduler.state.TaskStore;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Decoded;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.WireCodec;
import tools.jackson.databind.JsonNode;

/**
 * Decides what an {@link AttemptResult} from {@code results} means for its task.
 * <ul>
 *   <li>A result that cannot be read → {@code dlq} (raw value, {@code ts-error}) and
 *       {@code scheduler_rejected_results_total}; the stream goes on.</li>
 *   <li>Unknown task, another tenant, a finished task, or not the attempt in flight → discarded,
 *       {@code scheduler_stale_results_total{reason}} (a worker that lost its lease, a redelivery).</li>
 *   <li>{@code COMPLETED} → {@code COMPLETED}; {@code CANCELLED} → {@code CANCELLED}.</li>
 *   <li>{@code FAILED}/{@code TIMED_OUT}: not retryable → {@code FAILED} + dead letter
 *       {@code non_retryable}; last attempt → {@code FAILED} + {@code attempts_exhausted};
 *       otherwise {@code RETRY_SCHEDULED}, then {@code QUEUED} and the next attempt.</li>
 * </ul>
 * Every accepted result is appended to the task's executions, so a dead letter lists them all.
 */
public final class OutcomeProcessor implements Processor<String, byte[], String, Object> {

    public static final String NON_RETRYABLE = "non_retryable";
    public static final String ATTEMPTS_EXHAUSTED = "attempts_exhausted";

    private final WireCodec<AttemptResult> codec;
    private final Dispatcher dispatcher;
    private final SchedulerMetrics metrics;

    private ProcessorContext<String, Object> context;
    private TaskStore store;
    private Outputs out;

    public OutcomeProcessor(SchemaValidator validator, Dispatcher dispatcher, SchedulerMetrics metrics) {
        this.codec = new WireCodec<>(AttemptResult.class, validator);
        this.dispatcher = dispatcher;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.store = TaskStore.of(context);
        this.out = new Outputs(context);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        switch (codec.read(record.value())) {
            case Decoded.Unreadable<AttemptResult> unreadable ->
                    reject(record, unreadable.reason(), unreadable.detail(), now);
            case Decoded.Invalid<AttemptResult> invalid -> reject(record, WireCodec.INVALID, invalid.detail(), now);
            case Decoded.Valid<AttemptResult> valid -> decide(valid.value(), now);
        }
    }

    private void reject(Record<String, byte[]> record, String reason, String detail, Instant now) {
        metrics.resultRejected(reason);
        Optional<RecordMetadata> metadata = context.recordMetadata();
        DeadLetter deadLetter = DeadLetters.unreadable(reason, detail,
                DeadLetters.source(metadata, record.key(), record.value()), now);
        out.deadLetter(record.key(), deadLetter, Outputs.traceparent(record.headers()), now);
    }

    private void decide(AttemptResult result, Instant now) {
        TaskState state = store.get(result.taskId());
        String stale = state == null ? "unknown_task"
                : !state.tenantId().equals(result.tenantId()) ? "tenant_mismatch"
                : state.status().isTerminal() ? "terminal"
                : !state.awaits(result.attempt()) ? "stale_attempt"
                : null;
        if (stale != null) {
            metrics.staleResult(stale);
            return;
        }
        Execution execution = result.toExecution();
        TaskState withHistory = state.withExecution(execution);
        switch (result.outcome()) {
            case COMPLETED -> finish(withHistory, TaskStatus.COMPLETED, result.result(), null, execution, now);
            case CANCELLED -> finish(withHistory, TaskStatus.CANCELLED, null, result.error(), execution, now);
            case FAILED, TIMED_OUT -> failed(withHistory, result, execution, now);
        }
    }

    private void failed(TaskState state, AttemptResult result, Execution execution, Instant now) {
        TaskError error = result.error();
        if (!error.retryable()) {
            deadLetter(state, NON_RETRYABLE, error, execution, now);
        } else if (result.attempt() >= state.submission().maxAttempts()) {
            deadLetter(state, ATTEMPTS_EXHAUSTED, error, execution, now);
        } else {
            long version = state.nextVersion();
            out.event(TaskEvent.statusChange(state.taskId(), state.tenantId(), version, TaskStatus.RETRY_SCHEDULED,
                            now, state.attempts())
                    .withOutcome(null, error).withExecution(execution).withRunAt(now), state.traceparent(), now);
            TaskState retrying = state.moved(TaskStatus.RETRY_SCHEDULED, version, now);
            // issue #3: backoff timer — the next attempt becomes due at now + backoff.delayAfter(attempt);
            // until then it is dispatched at once.
            store.put(dispatcher.queueAndDispatch(retrying, now, out));
        }
    }

    private void deadLetter(TaskState state, String reason, TaskError error, Execution execution, Instant now) {
        TaskState failed = finish(state, TaskStatus.FAILED, null, error, execution, now);
        String detail = error.message().isEmpty() ? error.code() : error.code() + ": " + error.message();
        out.deadLetter(state.taskId().toString(), new DeadLetter(state.taskId(), state.tenantId(), reason, detail, now,
                state.submission(), failed.executions(), null), state.traceparent(), now);
    }

    private TaskState finish(TaskState state, TaskStatus status, JsonNode result, TaskError error,
                             Execution execution, Instant now) {
        long version = state.nextVersion();
        out.event(TaskEvent.statusChange(state.taskId(), state.tenantId(), version, status, now, state.attempts())
                .withOutcome(result, error).withExecution(execution), state.traceparent(), now);
        TaskState finished = state.moved(status, version, now);
        store.put(finished);
        metrics.finished(status);
        return finished;
    }
}
