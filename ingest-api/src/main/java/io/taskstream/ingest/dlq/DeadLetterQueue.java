package io.taskstream.ingest.dlq;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.control.ControlPublisher;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.http.KeysetCursor;
import io.taskstream.ingest.http.Page;
import io.taskstream.ingest.tasks.TaskRepository;
import io.taskstream.ingest.tasks.TaskView;
import io.taskstream.schemas.ControlCommand;
import io.taskstream.schemas.WireCodec;

/**
 * The dead-letter queue: tasks that will not run again unless someone replays them.
 *
 * <h2>How it works</h2>
 * The scheduler dead-letters a task (attempts exhausted, a non-retryable error, an invalid record) by
 * writing a {@code DeadLetter} to {@code dlq} and a {@code FAILED} event to {@code events}. The API's
 * dead-letter projection ({@link DeadLetterListener} → {@link DeadLetterProjection}, consumer group
 * {@code taskstream.ingest.dlq-projection-group-id}) keeps one {@code dead_letters} row per task; a task
 * is <i>in the queue</i> while its row is neither replayed nor purged. The views join that row with the
 * task view ({@code tasks}), and the detail adds every attempt ({@code task_executions}).
 *
 * <ul>
 *   <li><b>Replay</b> produces a {@code REPLAY} command to {@code control} (acknowledged by Kafka, like a
 *       submission), then marks the row replayed, so the task leaves the queue at once. The scheduler
 *       starts its attempts again at 1, same task id; the projection then moves the view from
 *       {@code FAILED} to {@code QUEUED}. If it fails again, a newer dead letter puts it back. The
 *       command carries the dead letter's submission and the task's version in {@code tasks}: the
 *       scheduler purges a finished task's state after its dedup window (24 h by default), and then
 *       re-admits the task from that submission, its events continuing after that version (the
 *       projection applies only higher versions). A row without a submission (projected before V3)
 *       sends a bare {@code REPLAY}, which the scheduler can apply only while it still has the state.</li>
 *   <li><b>Bulk replay</b> does the same for the oldest matching tasks (at most 1,000): it sends every
 *       command, waits for the acknowledgements together, and marks only the acknowledged ones.</li>
 *   <li>A task dead-lettered as {@code invalid_record} (a readable record that broke the schema) has no
 *       valid submission, so the scheduler cannot replay it: a replay is {@code 409}, a bulk replay skips
 *       it; purge it instead.</li>
 *   <li><b>Purge</b> marks the row purged: the task stays {@code FAILED}, out of the listing. Nothing
 *       is sent to the scheduler.</li>
 * </ul>
 * Replays and purges are audited by the API's audit filter ({@code io.taskstream.ingest.audit}: actions
 * {@code dlq.replay}, {@code dlq.replay_bulk} with the replayed task ids, {@code dlq.purge}).
 *
 * <h2>Trade-offs</h2>
 * The row is marked only after Kafka acknowledged the command: a crash in between leaves the task in the
 * queue although it was replayed, and replaying it again is harmless (the scheduler replays only a
 * {@code FAILED} task). The mark is conditional on the dead-lettering that was replayed, so a task that
 * failed again in the meantime is never hidden.
 */
public class DeadLetterQueue {

    private final DeadLetterRepository repository;
    private final TaskRepository tasks;
    private final ControlPublisher publisher;
    private final Clock clock;

    public DeadLetterQueue(DeadLetterRepository repository, TaskRepository tasks, ControlPublisher publisher,
            Clock clock) {
        this.repository = repository;
        this.tasks = tasks;
        this.publisher = publisher;
        this.clock = clock;
    }

    /**
     * One page of the tenant's queue, newest first, after the position {@code cursor} (a previous page's
     * {@code nextCursor} of the same query; null: from the newest).
     */
    Page<DeadLetterView> list(String tenantId, String type, int limit, String cursor) {
        String scope = "dlq|" + tenantId + "|" + (type == null ? "" : type);
        KeysetCursor after = KeysetCursor.decode(cursor, scope);
        List<DeadLetterView> rows = repository.page(tenantId, type, after, limit + 1);
        return Page.ofKeyset(rows, limit, v -> new KeysetCursor(v.deadLetteredAt(), v.task().id()), scope);
    }

    /** The task's dead letter with every attempt; {@code 404} when it is not in the tenant's queue. */
    DeadLetterDetail get(String tenantId, UUID taskId) {
        DeadLetterView letter = find(tenantId, taskId);
        return DeadLetterDetail.of(letter, tasks.executions(tenantId, taskId));
    }

    /**
     * Replays one task; answers its view as it is now ({@code FAILED} until the scheduler moved it). A
     * task dead-lettered as {@code invalid_record} has no valid submission to run again: {@code 409}.
     */
    TaskView replay(ApiPrincipal principal, UUID taskId, String traceparent) {
        DeadLetterView letter = find(principal.tenantId(), taskId);
        if (WireCodec.INVALID.equals(letter.reason())) {
            throw ApiException.conflict("task " + taskId + " was dead-lettered as " + WireCodec.INVALID
                    + ": it has no valid submission to run again; purge it instead");
        }
        DeadLetterRepository.Replayable replayable = repository.replayable(principal.tenantId(), taskId)
                .orElseThrow(() -> notInQueue(taskId));
        Instant now = clock.instant();
        publisher.publish(command(principal, replayable, now), traceparent);
        repository.markReplayed(principal.tenantId(), List.of(replayable.entry()), now);
        return letter.task();
    }

    /**
     * Replays the oldest tasks of the queue that match (never {@code invalid_record} ones, which cannot
     * run); answers those Kafka acknowledged. Nothing matching is {@code 0}; none acknowledged of several
     * is {@code 503}.
     */
    BulkReplayResult replayMatching(ApiPrincipal principal, BulkReplay request) {
        List<DeadLetterRepository.Replayable> matching = repository.oldestReplayable(principal.tenantId(),
                request.type(), request.failedBefore(), request.limit());
        if (matching.isEmpty()) {
            return new BulkReplayResult(0, List.of());
        }
        Instant now = clock.instant();
        List<UUID> acknowledged = publisher.publishAll(matching.stream()
                .map(r -> command(principal, r, now)).toList());
        if (acknowledged.isEmpty()) {
            throw publisher.unavailable(null);
        }
        Map<UUID, DeadLetterRepository.Entry> byId = matching.stream().map(DeadLetterRepository.Replayable::entry)
                .collect(Collectors.toMap(DeadLetterRepository.Entry::taskId, Function.identity()));
        repository.markReplayed(principal.tenantId(), acknowledged.stream().map(byId::get).toList(), now);
        return new BulkReplayResult(acknowledged.size(), acknowledged);
    }

    /** Purges a task from the queue; {@code 404} when it is not in it. */
    void purge(ApiPrincipal principal, UUID taskId) {
        if (!repository.purge(principal.tenantId(), taskId, clock.instant())) {
            throw notInQueue(taskId);
        }
    }

    private DeadLetterView find(String tenantId, UUID taskId) {
        return repository.find(tenantId, taskId).orElseThrow(() -> notInQueue(taskId));
    }

    /** {@code REPLAY} with the dead letter's submission and the projection's version, when the row has one. */
    static ControlCommand command(ApiPrincipal principal, DeadLetterRepository.Replayable replayable, Instant now) {
        if (replayable.submission() == null) {
            return new ControlCommand(replayable.entry().taskId(), principal.tenantId(), ControlCommand.Kind.REPLAY,
                    null, now, principal.keyId());
        }
        return ControlCommand.replay(replayable.submission(), replayable.version(), now, principal.keyId());
    }

    static ApiException notInQueue(Object taskId) {
        return ApiException.notFound("task " + taskId + " is not in the dead-letter queue");
    }
}
