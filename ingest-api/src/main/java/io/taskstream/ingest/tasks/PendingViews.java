package io.taskstream.ingest.tasks;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import org.springframework.dao.DataAccessException;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

import io.taskstream.schemas.Json;
import io.taskstream.schemas.TaskSubmission;

/**
 * Read-your-writes for the tasks whose {@code PENDING} row could not be written: an in-memory cache of
 * accepted submissions that {@code GET /tasks/{id}} consults when Postgres has no row (or does not
 * answer), so that a {@code GET} right after a {@code 202} never answers {@code 404}.
 *
 * <p>Normally the row is written right after Kafka's acknowledgement and this cache stays empty. When
 * that insert fails (a Postgres hiccup), the task is accepted all the same — Kafka has it and the
 * projection will create its row — and its view is kept here until the row appears: a read that finds
 * the row drops the entry; otherwise it expires after {@code ryw-cache-ttl} (default 1 h). The cache is
 * bounded by weight ({@code ryw-cache-max-bytes}, default 32 MiB: each entry weighs its serialized
 * payload plus 1 KiB), evicting the least recently used entries first.
 *
 * <p><b>Limit:</b> the cache is per API instance. With several instances behind a load balancer, a
 * {@code GET} that reaches another instance than the {@code POST} can still miss the task until the
 * projection has written it (seconds, or the length of the Postgres outage). A shared store would need
 * Redis on the read path of every miss; the rare double failure (Postgres refusing the insert and the
 * read going elsewhere) did not seem worth it. Sticky sessions close the gap.
 */
public class PendingViews {

    /** What each entry weighs beyond its payload (the view's other fields, the map's overhead). */
    static final int ENTRY_OVERHEAD_BYTES = 1024;

    private final Cache<UUID, Pending> cache;

    /** An accepted task as it was submitted; the trace id is kept for its view. */
    private record Pending(TaskSubmission submission, String traceId, int weight) {
    }

    /**
     * @param maxBytes the bound of the sum of the entries' weights; 0 turns the cache off
     * @param ttl      how long an entry lives after it was written
     * @param ticker   the time source of expiry (tests step it)
     */
    public PendingViews(long maxBytes, Duration ttl, Ticker ticker) {
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((UUID id, Pending p) -> p.weight())
                .expireAfterWrite(ttl)
                .ticker(ticker)
                .executor(Runnable::run) // evict on the caller's thread: no background threads, deterministic
                .build();
    }

    /** Keeps an accepted task whose row could not be written. */
    public void remember(TaskSubmission submission, String traceId) {
        int weight = ENTRY_OVERHEAD_BYTES + Json.mapper().writeValueAsBytes(submission.payload()).length;
        cache.put(submission.id(), new Pending(submission, traceId, weight));
    }

    /** The view of a remembered task of {@code tenantId}; empty for another tenant's task. */
    public Optional<TaskView> find(String tenantId, UUID id, boolean includePayload) {
        Pending pending = cache.getIfPresent(id);
        if (pending == null || !pending.submission().tenantId().equals(tenantId)) {
            return Optional.empty();
        }
        TaskView view = TaskView.pending(pending.submission(), pending.traceId());
        return Optional.of(includePayload ? view.withPayload(pending.submission().payload()) : view);
    }

    /**
     * The task's view: its row in Postgres, else (no row yet, or Postgres not answering) the remembered
     * one. A found row makes the entry redundant, so it is dropped.
     *
     * @throws DataAccessException when Postgres does not answer and the task is not remembered here
     */
    public Optional<TaskView> read(TaskRepository repository, String tenantId, UUID id, boolean includePayload) {
        Optional<TaskView> row;
        try {
            row = repository.find(tenantId, id, includePayload);
        } catch (DataAccessException e) {
            Optional<TaskView> remembered = find(tenantId, id, includePayload);
            if (remembered.isEmpty()) {
                throw e;
            }
            return remembered;
        }
        if (row.isPresent()) {
            cache.invalidate(id);
            return row;
        }
        return find(tenantId, id, includePayload);
    }

    /** How many tasks are remembered now (a gauge). */
    public long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }
}
