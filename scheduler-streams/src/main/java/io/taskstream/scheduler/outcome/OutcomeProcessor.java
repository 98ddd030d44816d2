package io.taskstream.scheduler.outcome;

import java.time.Instant;
import java.util.Optional;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import io.taskstream.scheduler.lifecycle.TaskLifecycle;
import io.taskstream.scheduler.output.DeadLetters;
import io.taskstream.scheduler.output.Outputs;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.state.TaskState;
import io.taskstream.scheduler.state.TaskStore;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Decoded;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.WireCodec;

/**
 * Decides what an {@link AttemptResult} from {@code results} means for its task.
 * <ul>
 *   <li>A result that cannot be read → {@code dlq} (raw value, {@code ts-error}) and
 *       {@code scheduler_rejected_results_total}; the stream goes on.</li>
 *   <li>A result that is not for the attempt in flight is discarded and counted in
 *       {@code scheduler_stale_results_total{reason}}: {@code unknown_task} (never admitted, or
 *       purged after its dedup window), {@code tenant_mismatch}, {@code terminal} (the task ended),
 *       {@code stale_attempt} (another attempt is in flight, the attempt timed out and was
 *       superseded, or the task waits for a retry) — a worker that lost its lease, a redelivery;
 *       {@code fenced} (its fencing token is lower than the highest the task has accepted: a later
 *       lease on the task has reported since; token 0, a worker without leases, is never fenced);
 *       {@code superseded_attempt} (the attempt was deferred and is dispatched again under the same
 *       number, and the result comes from the deferred dispatch: no newer lease than the one that
 *       deferred it, or, without leases, the same worker and start as the deferral).</li>
 *   <li>Otherwise {@link TaskLifecycle#attemptEnded}: {@code COMPLETED} → {@code COMPLETED};
 *       {@code CANCELLED} → {@code CANCELLED}; {@code FAILED}/{@code TIMED_OUT} → a retry after
 *       the backoff, or {@code FAILED} + dead letter ({@code non_retryable},
 *       {@code attempts_exhausted}), or {@code CANCELLED} when a cancel was requested meanwhile;
 *       {@code DEFERRED} → {@code RETRY_SCHEDULED} until its {@code retryAt} (clamped), the same
 *       attempt number dispatched again, or {@code FAILED} ({@code too_many_deferrals}) once the task
 *       was deferred {@code deferral.max-per-task} times. An accepted result's fencing token becomes
 *       the task's highest.</li>
 * </ul>
 */
public final class OutcomeProcessor implements Processor<String, byte[], String, Object> {

    private final WireCodec<AttemptResult> codec;
    private final TaskLifecycle.Rules rules;
    private final SchedulerMetrics metrics;

    private ProcessorContext<String, Object> context;
    private TaskStore store;
    private Outputs out;
    private TaskLifecycle lifecycle;

    public OutcomeProcessor(SchemaValidator validator, TaskLifecycle.Rules rules) {
        this.codec = new WireCodec<>(AttemptResult.class, validator);
        this.rules = rules;
        this.metrics = rules.metrics();
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.store = TaskStore.of(context);
        this.out = new Outputs(context);
        this.lifecycle = rules.lifecycle(store, out);
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
        String stale = state == null || state.isPlaceholder() ? "unknown_task"
                : !state.tenantId().equals(result.tenantId()) ? "tenant_mismatch"
                : state.status().isTerminal() ? "terminal"
                : !state.awaits(result.attempt()) ? "stale_attempt"
                : state.fences(result.fencingToken()) ? "fenced"
                : state.supersedes(result) ? "superseded_attempt"
                : null;
        if (stale != null) {
            metrics.staleResult(stale);
            return;
        }
        lifecycle.attemptEnded(state, result, now);
    }
}
