package io.taskstream.ingest.dlq;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.TaskSubmission;

import static io.taskstream.ingest.tasks.TaskRepository.timestamp;

/**
 * Applies {@link DeadLetter}s that name a task to Postgres: the task's {@code dead_letters} row (V2
 * migration). All dead letters of one poll go into one transaction, like the events projection.
 *
 * <p>The row keeps the dead letter's submission ({@code dead_letters.submission}, V3): a replay sends it
 * to the scheduler, which may have purged the task's state by then.
 *
 * <p>A dead letter replaces the task's row only when it is newer ({@code deadLetteredAt}): a redelivered
 * record changes nothing (a purge or replay stays), a later dead-lettering — a replay that failed again —
 * puts the task back in the queue. The row belongs to the tenant the dead letter names only if the task
 * is that tenant's; a dead letter naming another tenant's task is ignored.
 *
 * <p>{@code dead_letters.task_id} references {@code tasks}, but the dead letter may arrive before the
 * events projection has written the task (two topics, two consumer groups). Then a placeholder row is
 * written first, from what the dead letter knows — {@code FAILED} at version 0, the submission's type,
 * priority, labels …, the last attempt's error — which every event of the task overrides (any event's
 * version is higher), exactly like the API's read-your-writes row.
 *
 * <p>Failures: a constraint violation rolls the batch back and the dead letters are applied one by one;
 * one that still fails is logged, counted ({@code taskstream.dlq.records{outcome=rejected}}) and skipped.
 * Anything else (the database is down) propagates and the container retries the batch with backoff.
 */
public class DeadLetterProjection {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterProjection.class);

    static final String INSERT_PLACEHOLDER = """
            INSERT INTO tasks (id, tenant_id, type, priority, status, version, attempts, max_attempts, created_at,
                               updated_at, finished_at, labels, ordering_key, schedule_id, last_error)
            VALUES (?, ?, ?, ?, 'FAILED', 0, ?, ?, ?, ?, ?, COALESCE(?::jsonb, '{}'::jsonb), ?, ?, ?::jsonb)
            ON CONFLICT (id) DO NOTHING
            """;

    static final String UPSERT_DEAD_LETTER = """
            INSERT INTO dead_letters AS d (task_id, tenant_id, type, reason, detail, dead_lettered_at, submission)
            SELECT t.id, t.tenant_id, COALESCE(?, t.type), ?, ?, ?, ?::jsonb
            FROM tasks t WHERE t.id = ? AND t.tenant_id = ?
            ON CONFLICT (task_id) DO UPDATE SET
                type             = COALESCE(EXCLUDED.type, d.type),
                reason           = EXCLUDED.reason,
                detail           = EXCLUDED.detail,
                dead_lettered_at = EXCLUDED.dead_lettered_at,
                submission       = EXCLUDED.submission,
                purged_at        = NULL,
                replayed_at      = NULL
            WHERE d.dead_lettered_at < EXCLUDED.dead_lettered_at
            """;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Counter projected;
    private final Counter rejected;

    public DeadLetterProjection(JdbcTemplate jdbc, TransactionTemplate transactions, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.projected = counter(meters, "projected");
        this.rejected = counter(meters, "rejected");
    }

    /**
     * {@code taskstream.dlq.records{outcome}}: {@code projected} (a task's row written), {@code without_task}
     * (a record that could not be read at all: counted only), {@code unreadable} (not a valid
     * {@code dead-letter/v1}), {@code rejected} (the database refused it).
     */
    static Counter counter(MeterRegistry meters, String outcome) {
        return Counter.builder("taskstream.dlq.records")
                .description("Records of the dlq topic handled by the dead-letter projection, by outcome")
                .tag("outcome", outcome)
                .register(meters);
    }

    /** Applies dead letters that all carry a task id and a tenant id, in one transaction. */
    public void apply(List<DeadLetter> letters) {
        if (letters.isEmpty()) {
            return;
        }
        try {
            transactions.executeWithoutResult(status -> write(letters));
            projected.increment(letters.size());
        } catch (DataIntegrityViolationException e) {
            log.warn("a batch of {} dead letters violates a constraint ({}); applying them one by one",
                    letters.size(), e.getMostSpecificCause().getMessage());
            for (DeadLetter letter : letters) {
                applyAlone(letter);
            }
        }
    }

    private void applyAlone(DeadLetter letter) {
        try {
            transactions.executeWithoutResult(status -> write(List.of(letter)));
            projected.increment();
        } catch (DataIntegrityViolationException e) {
            rejected.increment();
            log.error("skipping the dead letter of task {} ({}): {}", letter.taskId(), letter.reason(),
                    e.getMostSpecificCause().getMessage());
        }
    }

    private void write(List<DeadLetter> letters) {
        jdbc.batchUpdate(INSERT_PLACEHOLDER, letters, letters.size(), DeadLetterProjection::placeholder);
        jdbc.batchUpdate(UPSERT_DEAD_LETTER, letters, letters.size(), (ps, d) -> {
            int i = 1;
            ps.setString(i++, d.submission() == null ? null : d.submission().type());
            ps.setString(i++, d.reason());
            ps.setString(i++, d.detail());
            ps.setObject(i++, timestamp(d.deadLetteredAt()));
            ps.setString(i++, d.submission() == null ? null : Json.mapper().writeValueAsString(d.submission()));
            ps.setObject(i++, d.taskId());
            ps.setString(i, d.tenantId());
        });
    }

    private static void placeholder(PreparedStatement ps, DeadLetter d) throws SQLException {
        TaskSubmission s = d.submission();
        Execution last = d.executions().stream().max(Comparator.comparingInt(Execution::attempt)).orElse(null);
        int i = 1;
        ps.setObject(i++, d.taskId());
        ps.setString(i++, d.tenantId());
        ps.setString(i++, s == null ? null : s.type());
        ps.setString(i++, s == null || s.priority() == null ? null : s.priority().name());
        ps.setInt(i++, last == null ? 0 : last.attempt());
        ps.setObject(i++, s == null ? null : s.maxAttempts());
        ps.setObject(i++, timestamp(s != null && s.createdAt() != null ? s.createdAt() : d.deadLetteredAt()));
        ps.setObject(i++, timestamp(d.deadLetteredAt()));
        ps.setObject(i++, timestamp(d.deadLetteredAt()));
        ps.setString(i++, s == null || s.labels() == null ? null : Json.mapper().writeValueAsString(s.labels()));
        ps.setString(i++, s == null ? null : s.orderingKey());
        ps.setObject(i++, s == null ? null : s.scheduleId());
        ps.setString(i, last == null || last.error() == null ? null : Json.mapper().writeValueAsString(last.error()));
    }
}
