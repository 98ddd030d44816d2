package io.taskstream.scheduler.outcome;

import java.time.Instant;

import org.apache.kafka.streams.processor.api.Record;

import io.taskstream.scheduler.lifecycle.TaskLifecycle;
import io.taskstream.scheduler.lifecycle.WireRecordProcessor;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.state.TaskState;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.SchemaValidator;

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
public final class OutcomeProcessor extends WireRecordProcessor<AttemptResult> {

    public OutcomeProcessor(SchemaValidator validator, TaskLifecycle.Rules rules) {
        super(AttemptResult.class, validator, rules, SchedulerMetrics::resultRejected, "decide result");
    }

    @Override
    protected void accept(AttemptResult result, Record<String, byte[]> record, Instant now) {
        decide(result, now);
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
