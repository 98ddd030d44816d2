package io.taskstream.ingest.tasks;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;
import java.util.random.RandomGenerator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.TaskIds;
import io.taskstream.schemas.TaskSubmission;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * How a task gets accepted. In order:
 * <ol>
 *   <li>give it an id (UUIDv7 from the clock) and {@code createdAt}, and read the request into a
 *       {@link TaskSubmission} of the caller's tenant ({@link SubmissionReader}: 400/413 on bad input);</li>
 *   <li>with an idempotency key already used by the tenant: the same request again answers the
 *       original task ({@code 200}), a different one {@code 409 idempotency_conflict}, and nothing is
 *       produced (the unique index on {@code (tenant_id, idempotency_key)} is the backstop);</li>
 *   <li>produce it to {@code submit.<priority>} and wait for the {@code acks=all} acknowledgement
 *       ({@link SubmissionPublisher}: 503 when Kafka does not answer) — from here on the task is
 *       accepted;</li>
 *   <li>insert its {@code PENDING} row (version 0) so that a {@code GET} right after the {@code 202}
 *       finds it (read-your-writes); the projection takes the row over from version 1 on.</li>
 * </ol>
 * If that last insert fails (Postgres down), the task is still accepted — Kafka has it and the
 * projection will create the row — so the answer stays {@code 202}; the failure is logged and counted
 * ({@code taskstream.ingest.ryw.insert.failures}).
 */
public class TaskSubmitter {

    private static final Logger log = LoggerFactory.getLogger(TaskSubmitter.class);

    /** Canonical JSON (sorted keys) so that the same request always hashes the same. */
    private static final JsonMapper CANONICAL = Json.mapper().rebuild()
            .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
            .build();

    private final SubmissionReader reader;
    private final SubmissionPublisher publisher;
    private final TaskRepository repository;
    private final Clock clock;
    private final RandomGenerator random;
    private final Counter rywInsertFailures;
    private final Admission admission;

    public TaskSubmitter(SubmissionReader reader, SubmissionPublisher publisher, TaskRepository repository,
            Clock clock, RandomGenerator random, MeterRegistry meters, Admission admission) {
        this.reader = reader;
        this.publisher = publisher;
        this.repository = repository;
        this.clock = clock;
        this.random = random;
        this.rywInsertFailures = Counter.builder("taskstream.ingest.ryw.insert.failures")
                .description("Accepted tasks whose read-your-writes row could not be written")
                .register(meters);
        this.admission = admission;
    }

    /** What {@link #submit} did: {@code created} is false when an idempotent retry found the original task. */
    public record Submitted(TaskView task, boolean created) {
    }

    public Submitted submit(String tenantId, byte[] body, String idempotencyKeyHeader, TraceContext trace) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        UUID id = TaskIds.newId(clock, random);
        TaskSubmission submission = reader.read(body, tenantId, id, now, idempotencyKeyHeader);
        byte[] requestHash = requestHash(submission);

        if (submission.idempotencyKey() != null) {
            Optional<Submitted> earlier = earlierSubmission(tenantId, submission.idempotencyKey(), requestHash);
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }

        String traceId = trace == null ? null : trace.traceId();
        admission.admit(tenantId, submission.priority());
        publisher.publish(submission, trace);

        TaskView accepted = TaskView.pending(submission, traceId);
        try {
            if (!repository.insertPending(submission, requestHash, traceId)
                    && submission.idempotencyKey() != null
                    && repository.find(tenantId, id, false).isEmpty()) {
                // A concurrent request with the same key won the race to the unique index.
                log.warn("task {} lost an idempotency race on its key; answering the earlier task", id);
                return earlierSubmission(tenantId, submission.idempotencyKey(), requestHash)
                        .orElse(new Submitted(accepted, true));
            }
        } catch (DataAccessException e) {
            rywInsertFailures.increment();
            log.warn("task {} is accepted but its read-your-writes row could not be written: {}", id, e.getMessage());
        }
        return new Submitted(accepted, true);
    }

    private Optional<Submitted> earlierSubmission(String tenantId, String idempotencyKey, byte[] requestHash) {
        return repository.findByIdempotencyKey(tenantId, idempotencyKey).map(earlier -> {
            if (earlier.requestHash() != null && !MessageDigest.isEqual(earlier.requestHash(), requestHash)) {
                throw new ApiException(ErrorCode.IDEMPOTENCY_CONFLICT, "the idempotency key '" + idempotencyKey
                        + "' was used for a different request (task " + earlier.id() + ")");
            }
            TaskView view = repository.find(tenantId, earlier.id(), false)
                    .orElseThrow(() -> new IllegalStateException("task " + earlier.id() + " vanished"));
            return new Submitted(view, false);
        });
    }

    /**
     * SHA-256 of the request as the submission states it, without what the server adds ({@code id},
     * {@code createdAt}): equal for the same request sent again, whatever its key order.
     */
    static byte[] requestHash(TaskSubmission submission) {
        byte[] canonical = CANONICAL.writeValueAsBytes(
                CANONICAL.valueToTree(submission.withId(null).withCreatedAt(null)));
        try {
            return MessageDigest.getInstance("SHA-256").digest(canonical);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
