package io.taskstream.ingest.dlq;

import static io.taskstream.ingest.tasks.TaskRepository.instant;
import static io.taskstream.ingest.tasks.TaskRepository.timestamp;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import io.taskstream.ingest.http.KeysetCursor;
import io.taskstream.ingest.tasks.TaskRepository;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.WireCodec;
import tools.jackson.core.JacksonException;

/**
 * The API's side of {@code dead_letters}: what is in a tenant's queue, and marking tasks replayed or
 * purged. Every query is confined to a tenant, and only rows in the queue (neither purged nor replayed)
 * are found. The rows themselves are written by {@link DeadLetterProjection}.
 */
public class DeadLetterRepository {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterRepository.class);

    /** A row is in the queue while it is neither purged nor replayed (the partial indexes say the same). */
    private static final String IN_QUEUE = " d.purged_at IS NULL AND d.replayed_at IS NULL ";

    private static final String SELECT_VIEW = "SELECT " + TaskRepository.viewColumns("t")
            + ", d.dead_lettered_at, d.reason, d.detail"
            + " FROM dead_letters d JOIN tasks t ON t.id = d.task_id AND t.tenant_id = d.tenant_id"
            + " WHERE d.tenant_id = ? AND" + IN_QUEUE;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;

    public DeadLetterRepository(JdbcTemplate jdbc, TransactionTemplate transactions) {
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    /** A dead letter that was (or is about to be) replayed, identified by the dead-lettering it answers. */
    record Entry(UUID taskId, Instant deadLetteredAt) {
    }

    /**
     * What a replay of a queued dead letter sends: its {@code submission} (null when the row has none:
     * projected before V3, or not that task's) and the task's {@code version} in the projection.
     */
    record Replayable(Entry entry, TaskSubmission submission, long version) {
    }

    private static final String SELECT_REPLAYABLE = "SELECT d.task_id, d.dead_lettered_at, d.submission, t.version"
            + " FROM dead_letters d JOIN tasks t ON t.id = d.task_id AND t.tenant_id = d.tenant_id"
            + " WHERE d.tenant_id = ? AND" + IN_QUEUE;

    /**
     * One page of the tenant's queue, newest first, after {@code after} (null: from the newest).
     * Returns at most {@code limit} items, plus one more when there is a next page.
     */
    List<DeadLetterView> page(String tenantId, String type, KeysetCursor after, int limitPlusOne) {
        StringBuilder sql = new StringBuilder(SELECT_VIEW);
        List<Object> args = new ArrayList<>(List.of(tenantId));
        if (type != null) {
            sql.append(" AND d.type = ?");
            args.add(type);
        }
        if (after != null) {
            sql.append(" AND (d.dead_lettered_at, d.task_id) < (?, ?)");
            args.add(timestamp(after.at()));
            args.add(after.id());
        }
        sql.append(" ORDER BY d.dead_lettered_at DESC, d.task_id DESC LIMIT ?");
        args.add(limitPlusOne);
        return jdbc.query(sql.toString(), (rs, n) -> view(rs), args.toArray());
    }

    /** The task's dead letter if it is in the tenant's queue. */
    Optional<DeadLetterView> find(String tenantId, UUID taskId) {
        return jdbc.query(SELECT_VIEW + " AND d.task_id = ?", (rs, n) -> view(rs), tenantId, taskId).stream()
                .findFirst();
    }

    /** What a replay of the task's queued dead letter sends, if it is in the tenant's queue. */
    Optional<Replayable> replayable(String tenantId, UUID taskId) {
        return jdbc.query(SELECT_REPLAYABLE + " AND d.task_id = ?", (rs, n) -> replayable(rs, tenantId), tenantId,
                taskId).stream().findFirst();
    }

    /**
     * The tenant's queued dead letters matching the filters (null: any), oldest first, except those of
     * {@code invalid_record}s (nothing valid to run again).
     */
    List<Replayable> oldestReplayable(String tenantId, String type, Instant before, int limit) {
        StringBuilder sql = new StringBuilder(SELECT_REPLAYABLE + "AND d.reason <> ?");
        List<Object> args = new ArrayList<>(List.of(tenantId, WireCodec.INVALID));
        if (type != null) {
            sql.append(" AND d.type = ?");
            args.add(type);
        }
        if (before != null) {
            sql.append(" AND d.dead_lettered_at < ?");
            args.add(timestamp(before));
        }
        sql.append(" ORDER BY d.dead_lettered_at, d.task_id LIMIT ?");
        args.add(limit);
        return jdbc.query(sql.toString(), (rs, n) -> replayable(rs, tenantId), args.toArray());
    }

    /**
     * Takes replayed tasks out of the queue. A row is only marked for the dead-lettering that was replayed:
     * if the task failed again meanwhile (a newer dead letter replaced the row), the new one stays in the
     * queue.
     *
     * @return how many rows were marked
     */
    int markReplayed(String tenantId, List<Entry> replayed, Instant now) {
        if (replayed.isEmpty()) {
            return 0;
        }
        return transactions.execute(status -> {
            int[][] counts = jdbc.batchUpdate("""
                    UPDATE dead_letters d SET replayed_at = ?
                    WHERE d.task_id = ? AND d.tenant_id = ? AND d.dead_lettered_at = ? AND""" + IN_QUEUE,
                    replayed, replayed.size(), (ps, e) -> {
                        ps.setObject(1, timestamp(now));
                        ps.setObject(2, e.taskId());
                        ps.setString(3, tenantId);
                        ps.setObject(4, timestamp(e.deadLetteredAt()));
                    });
            int marked = 0;
            for (int[] batch : counts) {
                for (int count : batch) {
                    if (count > 0) {
                        marked++;
                    }
                }
            }
            return marked;
        });
    }

    /** Purges a task from the tenant's queue (the task stays {@code FAILED}); false if it was not in it. */
    boolean purge(String tenantId, UUID taskId, Instant now) {
        return jdbc.update("UPDATE dead_letters d SET purged_at = ?"
                + " WHERE d.task_id = ? AND d.tenant_id = ? AND" + IN_QUEUE, timestamp(now), taskId, tenantId) == 1;
    }

    private static Replayable replayable(ResultSet rs, String tenantId) throws SQLException {
        Entry entry = new Entry(rs.getObject("task_id", UUID.class), instant(rs, "dead_lettered_at"));
        return new Replayable(entry, submission(rs.getString("submission"), entry.taskId(), tenantId),
                rs.getLong("version"));
    }

    /**
     * The row's submission, or null when it has none or it is unusable: it does not read as a
     * submission, or it is not this task's (the scheduler would refuse the command).
     */
    private static TaskSubmission submission(String json, UUID taskId, String tenantId) {
        if (json == null) {
            return null;
        }
        try {
            TaskSubmission s = Json.mapper().readValue(json, TaskSubmission.class);
            return taskId.equals(s.id()) && tenantId.equals(s.tenantId()) ? s : null;
        } catch (JacksonException e) {
            log.warn("the dead letter of task {} holds a submission that does not read ({}); replaying without it",
                    taskId, e.getOriginalMessage());
            return null;
        }
    }

    private static DeadLetterView view(ResultSet rs) throws SQLException {
        return new DeadLetterView(TaskRepository.view(rs, false), instant(rs, "dead_lettered_at"),
                rs.getString("reason"), rs.getString("detail"));
    }
}
