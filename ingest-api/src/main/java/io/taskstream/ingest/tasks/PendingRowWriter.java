package io.taskstream.ingest.tasks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.QueryTimeoutException;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.taskstream.ingest.tasks.TaskRepository.PendingRow;

/**
 * Writes the read-your-writes rows of concurrent requests together — a group commit. A request hands
 * its rows over and waits; one writer thread takes everything waiting, inserts it with one
 * {@link TaskRepository#insertPending} statement, and answers every request of the group. While a
 * statement runs the next group gathers, so an idle API writes each request at once and a busy one
 * writes fewer, larger statements (at 1,000 submissions/s, one statement per request cost Postgres
 * half a core; docs/performance.md).
 * <p>
 * A group fails as one statement. When that is a data error, which is a single row's fault (a value
 * Postgres refuses), each request of the group is written alone, so that one bad row fails only its own
 * request; other failures (the database unreachable) fail the whole group. A request that stops waiting
 * ({@code timeout}) leaves its rows behind unwritten when they are still queued — the caller keeps them
 * elsewhere (see {@link TaskSubmitter}), and the projection writes every row anyway.
 */
public class PendingRowWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PendingRowWriter.class);

    private final TaskRepository repository;
    private final int maxRows;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final DistributionSummary groupRows;
    private final Thread writer;
    private volatile boolean closed;

    /** @param maxRows the most rows one statement writes (a request with more is written alone) */
    public PendingRowWriter(TaskRepository repository, int maxRows, MeterRegistry meters) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be at least 1, not " + maxRows);
        }
        this.repository = repository;
        this.maxRows = maxRows;
        this.groupRows = DistributionSummary.builder("taskstream.ingest.ryw.group.rows")
                .description("Read-your-writes rows written by one statement (a group of requests)")
                .register(meters);
        this.writer = Thread.ofPlatform().name("ryw-writer").daemon().start(this::run);
    }

    /** {@code trace}: the request's trace context; the group's statement is traced under its first request's. */
    private record Job(List<PendingRow> rows, CompletableFuture<Set<UUID>> done, Context trace) {
    }

    /**
     * Inserts {@code rows} (with those of other requests waiting at the same time) and returns what
     * {@link TaskRepository#insertPending} returns for them.
     *
     * @throws org.springframework.dao.DataAccessException when they were not written within {@code timeout},
     *         or could not be
     */
    public Set<UUID> insert(List<PendingRow> rows, Duration timeout) {
        if (rows.isEmpty()) {
            return Set.of();
        }
        if (closed) {
            throw new DataAccessResourceFailureException("the read-your-writes writer is closed");
        }
        Job job = new Job(rows, new CompletableFuture<>(), Context.current());
        queue.add(job);
        try {
            return job.done().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new DataAccessResourceFailureException("writing read-your-writes rows failed", e.getCause());
        } catch (TimeoutException e) {
            job.done().cancel(false);
            throw new QueryTimeoutException("read-your-writes rows not written within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.done().cancel(false);
            throw new DataAccessResourceFailureException("interrupted while writing read-your-writes rows", e);
        }
    }

    private void run() {
        List<Job> group = new ArrayList<>();
        while (!closed) {
            try {
                Job first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                int rows = first.rows().size();
                for (Job next = queue.peek(); next != null && rows + next.rows().size() <= maxRows;
                        next = queue.peek()) {
                    group.add(queue.poll()); // this thread alone takes from the queue
                    rows += next.rows().size();
                }
                write(group);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                log.error("read-your-writes writer: unexpected failure", e);
                group.forEach(job -> job.done().completeExceptionally(e));
            } finally {
                group.clear();
            }
        }
        Job left;
        while ((left = queue.poll()) != null) {
            left.done().completeExceptionally(new DataAccessResourceFailureException(
                    "the read-your-writes writer is closed"));
        }
    }

    /** Writes the rows of the group's requests that still wait, as one statement, else one by one. */
    private void write(List<Job> group) {
        List<Job> waiting = group.stream().filter(job -> !job.done().isDone()).toList();
        if (waiting.isEmpty()) {
            return;
        }
        List<PendingRow> rows = new ArrayList<>();
        waiting.forEach(job -> rows.addAll(job.rows()));
        try (Scope ignored = waiting.getFirst().trace().makeCurrent()) {
            Set<UUID> present = repository.insertPending(rows);
            groupRows.record(rows.size());
            waiting.forEach(job -> job.done().complete(present));
        } catch (DataIntegrityViolationException e) {
            if (waiting.size() == 1) {
                waiting.getFirst().done().completeExceptionally(e);
                return;
            }
            log.debug("a group of {} read-your-writes inserts failed ({}); writing each request alone", waiting.size(),
                    e.getMessage());
            for (Job job : waiting) {
                try {
                    job.done().complete(repository.insertPending(job.rows()));
                    groupRows.record(job.rows().size());
                } catch (RuntimeException alone) {
                    job.done().completeExceptionally(alone);
                }
            }
        } catch (RuntimeException e) {
            waiting.forEach(job -> job.done().completeExceptionally(e));
        }
    }

    /** How many requests wait for a statement (not counting those of the statement running). */
    int queued() {
        return queue.size();
    }

    /** Stops the writer after the statement it is running; requests still queued fail. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        writer.join(Duration.ofSeconds(10));
    }
}
