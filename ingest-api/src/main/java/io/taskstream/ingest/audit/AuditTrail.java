package io.taskstream.ingest.audit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataIntegrityViolationException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The audit log's writer: everything audited goes through {@link #record}, and reaches the {@code audit_log}
 * table in batches.
 *
 * <h2>How it works</h2>
 * {@link #record} puts the entry on a bounded queue ({@link AuditProperties#queueCapacity()}) and returns at
 * once — a request never waits for its audit row. One thread, the writer, owns everything after the queue: it
 * gathers entries into a batch and writes the batch with one multi-row {@code INSERT}
 * ({@link AuditRepository#append}) when it holds {@link AuditProperties#batchSize()} entries (500) or when its
 * first entry has waited {@link AuditProperties#maxDelay()} (50 ms), whichever comes first. In the database, the
 * {@code BEFORE INSERT} trigger of V8 chains each row to the one before (the chain's lock is taken once per
 * statement, so a batch pays for it once) — see {@code docs/security.md}, "Audit log".
 *
 * <h2>Failures</h2>
 * <ul>
 *   <li><b>Postgres down or slow</b>: the batch stays with the writer, which tries again every
 *       {@link AuditProperties#retryDelay()} until it is written. A statement that failed wrote nothing (its
 *       transaction rolled back), so a batch is written once. Meanwhile new entries wait in the queue.</li>
 *   <li><b>A row Postgres refuses</b> (a data error): the batch is written row by row and only the refused row
 *       is dropped, with an ERROR log and {@code taskstream.ingest.audit.entries{result=rejected}}.</li>
 *   <li><b>Queue full</b> (Postgres down for longer than the queue lasts, or a burst beyond what the writer
 *       keeps up with): {@link #record} drops the entry, counts it
 *       ({@code taskstream.ingest.audit.entries{result=dropped}}) and logs an ERROR (at most one every ten
 *       seconds, with the count).</li>
 *   <li><b>Shutdown</b>: {@link #stop()} runs after the web server has stopped taking requests (phase
 *       {@link #PHASE}); the writer writes what is left, trying for up to
 *       {@link AuditProperties#shutdownTimeout()}.</li>
 * </ul>
 *
 * <h2>Trade-off: durability against throughput</h2>
 * The answer to a request does not wait for its audit row, so a crash of the API (a kill -9, a lost host) loses
 * what was still queued: the last ≤ 50 ms of audit rows, more if Postgres was already unreachable. The
 * alternative — an audit insert inside every request, which takes the chain's lock until commit — would
 * serialise every {@code POST /tasks} of every API instance on one database lock and cap submissions at what
 * one lock holder at a time can commit; with batches, the lock is taken once per 500 rows.
 *
 * <h2>Tests</h2>
 * Built without starting it (no {@link #start()}), nothing runs by itself: {@link #step()} is one turn of the
 * writer, driven by the injected clock, and {@link #flush()} writes everything queued. Once started,
 * {@link #flush()} asks the writer thread and waits for it.
 */
public class AuditTrail implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);

    /** Stops after the web server (which stops at {@code DEFAULT_PHASE - 2048}), so late requests are recorded. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;
    /** How often a full queue is reported at most. */
    static final Duration DROP_LOG_INTERVAL = Duration.ofSeconds(10);
    private static final Duration IDLE_WAIT = Duration.ofSeconds(1);
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(30);

    /** Where batches go: {@link AuditRepository#append} in production. */
    @FunctionalInterface
    public interface Sink {
        void append(List<AuditEntry> batch);
    }

    /** Put on the queue to wake the writer (a flush or a stop); never written. */
    private static final AuditEntry WAKE = AuditEntry.event(Instant.EPOCH, "-", "-", "-", null, null, null);

    private final Sink sink;
    private final Clock clock;
    private final int batchSize;
    private final Duration maxDelay;
    private final Duration retryDelay;
    private final Duration shutdownTimeout;
    private final BlockingQueue<AuditEntry> queue;
    private final Queue<CompletableFuture<Void>> flushRequests = new ConcurrentLinkedQueue<>();
    private final Counter written;
    private final Counter dropped;
    private final Counter rejected;
    private final Counter writeFailures;
    private final LongAdder recorded = new LongAdder();
    private final AtomicLong droppedSinceLog = new AtomicLong();
    private final AtomicReference<Instant> lastDropLog = new AtomicReference<>();

    // owned by the writer thread once started; before that (and in tests) by the one caller of step()/flush()
    private final List<AuditEntry> pending = new ArrayList<>();
    private Instant pendingSince;
    private Instant retryAt;

    private volatile Thread writer;
    private volatile boolean running;

    public AuditTrail(Sink sink, AuditProperties properties, Clock clock, MeterRegistry meters) {
        this.sink = sink;
        this.clock = clock;
        this.batchSize = properties.batchSize();
        this.maxDelay = properties.maxDelay();
        this.retryDelay = properties.retryDelay();
        this.shutdownTimeout = properties.shutdownTimeout();
        this.queue = new ArrayBlockingQueue<>(properties.queueCapacity());
        this.written = entries(meters, "written", "Audit entries written to audit_log");
        this.dropped = entries(meters, "dropped", "Audit entries dropped because the queue was full");
        this.rejected = entries(meters, "rejected", "Audit entries Postgres refused (a data error)");
        this.writeFailures = Counter.builder("taskstream.ingest.audit.write.failures")
                .description("Audit batches that could not be written (and were tried again)").register(meters);
        Gauge.builder("taskstream.ingest.audit.queued", queue, BlockingQueue::size)
                .description("Audit entries waiting to be written").register(meters);
    }

    private static Counter entries(MeterRegistry meters, String result, String description) {
        return Counter.builder("taskstream.ingest.audit.entries").tag("result", result).description(description)
                .register(meters);
    }

    /**
     * Queues {@code entry} for the audit log and returns at once. When the queue is full the entry is dropped
     * (counted and logged, see the class comment): auditing never blocks or fails the caller.
     */
    public void record(AuditEntry entry) {
        if (queue.offer(entry)) {
            recorded.increment();
        } else {
            dropped.increment();
            droppedSinceLog.incrementAndGet();
            reportDrops();
        }
    }

    private void reportDrops() {
        Instant now = clock.instant();
        Instant last = lastDropLog.get();
        if ((last == null || !now.isBefore(last.plus(DROP_LOG_INTERVAL))) && lastDropLog.compareAndSet(last, now)) {
            log.error("The audit queue is full ({} entries): dropped {} audit entries since the last report; "
                    + "is Postgres reachable?", queue.size() + queue.remainingCapacity(), droppedSinceLog.getAndSet(0));
        }
    }

    /**
     * One turn of the writer: tops the batch up from the queue and writes it if it is due — full, or its first
     * entry waited {@code maxDelay} by the clock. After a failed write it waits {@code retryDelay} by the clock
     * before trying again.
     *
     * @return the entries written (0: nothing due, or the write failed and will be tried again)
     */
    int step() {
        Instant now = clock.instant();
        if (retryAt != null && now.isBefore(retryAt)) {
            return 0;
        }
        fill(now);
        if (pending.isEmpty()) {
            return 0;
        }
        if (pending.size() < batchSize && now.isBefore(pendingSince.plus(maxDelay))) {
            return 0;
        }
        return writePending(now);
    }

    /**
     * Writes everything recorded before this call, in batches, and returns once it is in Postgres — the manual
     * flush of tests. Once the writer runs, the writer does it and this waits.
     *
     * @throws IllegalStateException when it could not be written (Postgres unreachable) or within 30 s
     */
    public void flush() {
        Thread thread = writer;
        if (thread == null || !running) {
            writeAll(clock.instant());
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        flushRequests.add(done);
        wake(thread);
        try {
            done.get(FLUSH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the audit log could not be flushed", e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the audit log was not flushed within " + FLUSH_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while flushing the audit log", e);
        }
    }

    /**
     * How many entries {@link #record} has taken so far. A request's entry is recorded once the request is
     * done, which can be just after its client read the answer: a test waits for this count, then flushes.
     */
    public long recorded() {
        return recorded.sum();
    }

    /** Entries waiting in the queue (not counting the batch being gathered). */
    int queued() {
        return queue.size();
    }

    /** Moves queued entries into the batch, up to its size. */
    private void fill(Instant now) {
        boolean wasEmpty = pending.isEmpty();
        if (pending.size() < batchSize) {
            queue.drainTo(pending, batchSize - pending.size());
            pending.removeIf(e -> e == WAKE);
        }
        if (wasEmpty && !pending.isEmpty()) {
            pendingSince = now;
        }
    }

    /** Writes the batch; on failure keeps it for a retry at {@code retryAt}. */
    private int writePending(Instant now) {
        List<AuditEntry> batch = List.copyOf(pending);
        try {
            sink.append(batch);
            written.increment(batch.size());
        } catch (DataIntegrityViolationException e) {
            writeOneByOne(batch, e);
        } catch (RuntimeException e) {
            writeFailures.increment();
            if (retryAt == null) {
                log.warn("Could not write {} audit entries, trying again every {}: {}", batch.size(), retryDelay,
                        e.toString());
            }
            retryAt = now.plus(retryDelay);
            return 0;
        }
        if (retryAt != null) {
            log.info("Audit entries are written again");
        }
        retryAt = null;
        pending.clear();
        fill(now); // what queued up meanwhile has waited since now at least
        return batch.size();
    }

    /** A data error is one row's fault: writes each alone and drops only the ones Postgres refuses. */
    private void writeOneByOne(List<AuditEntry> batch, DataIntegrityViolationException cause) {
        log.warn("Postgres refused a batch of {} audit entries ({}); writing them one by one", batch.size(),
                cause.getMostSpecificCause().getMessage());
        for (AuditEntry entry : batch) {
            try {
                sink.append(List.of(entry));
                written.increment();
            } catch (DataIntegrityViolationException e) {
                rejected.increment();
                log.error("Postgres refused an audit entry, which is lost: {} by {} on {} {} at {}: {}",
                        entry.action(), entry.actor(), entry.resourceType(), entry.resourceId(), entry.occurredAt(),
                        e.getMostSpecificCause().getMessage());
            }
        }
    }

    /**
     * Writes the batch and the whole queue as it is now, in batches of {@code batchSize}.
     *
     * @throws IllegalStateException when a batch could not be written
     */
    private void writeAll(Instant now) {
        long left = (long) queue.size() + pending.size();
        while (left > 0) {
            fill(now);
            if (pending.isEmpty()) {
                return;
            }
            int size = pending.size();
            if (writePending(now) == 0) {
                throw new IllegalStateException("could not write " + size + " audit entries; they are kept and "
                        + "will be written when Postgres answers");
            }
            left -= size;
        }
    }

    private void run() {
        while (running) {
            try {
                serveFlushRequests();
                step();
                waitForWork();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                log.error("The audit writer failed unexpectedly; it carries on", e);
            }
        }
        finish();
    }

    /** Sleeps until an entry arrives, the batch is due or a retry is; a flush or a stop wakes it. */
    private void waitForWork() throws InterruptedException {
        Instant now = clock.instant();
        if (retryAt != null) {
            LockSupport.parkNanos(nanosUntil(now, retryAt)); // the queue stays put while Postgres is down
            return;
        }
        Duration wait = pending.isEmpty() ? IDLE_WAIT : Duration.between(now, pendingSince.plus(maxDelay));
        AuditEntry next = queue.poll(Math.max(0, wait.toNanos()), TimeUnit.NANOSECONDS);
        if (next != null && next != WAKE) {
            if (pending.isEmpty()) {
                pendingSince = now;
            }
            pending.add(next);
        }
    }

    private static long nanosUntil(Instant now, Instant then) {
        return Math.max(0, Duration.between(now, then).toNanos());
    }

    private void serveFlushRequests() {
        CompletableFuture<Void> request;
        while ((request = flushRequests.poll()) != null) {
            try {
                retryAt = null;
                writeAll(clock.instant());
                request.complete(null);
            } catch (RuntimeException e) {
                request.completeExceptionally(e);
            }
        }
    }

    /** At shutdown: writes what is left, trying until {@code shutdownTimeout}. */
    private void finish() {
        long deadline = System.nanoTime() + shutdownTimeout.toNanos();
        while (true) {
            try {
                retryAt = null;
                writeAll(clock.instant());
                break;
            } catch (RuntimeException e) {
                if (System.nanoTime() - deadline >= 0) {
                    log.error("Stopping with {} audit entries unwritten: {}", queue.size() + pending.size(),
                            e.getMessage());
                    break;
                }
                LockSupport.parkNanos(Math.min(retryDelay.toNanos(), deadline - System.nanoTime()));
            }
        }
        CompletableFuture<Void> request;
        while ((request = flushRequests.poll()) != null) {
            request.completeExceptionally(new IllegalStateException("the audit writer has stopped"));
        }
    }

    private void wake(Thread thread) {
        queue.offer(WAKE); // a full queue wakes the writer anyway
        LockSupport.unpark(thread);
    }

    @Override
    public void start() {
        if (running) {
            return;
        }
        running = true;
        writer = Thread.ofPlatform().name("audit-writer").daemon().start(this::run);
    }

    @Override
    public void stop() {
        Thread thread = writer;
        running = false;
        if (thread == null) {
            return;
        }
        wake(thread);
        try {
            if (!thread.join(shutdownTimeout.plusSeconds(5))) {
                log.error("The audit writer did not stop within {}", shutdownTimeout.plusSeconds(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer = null;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
