package io.taskstream.worker.execution;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.crypto.KeyProvider;
import io.taskstream.schemas.crypto.PayloadCipher;
import io.taskstream.schemas.crypto.PayloadCipherException;
import io.taskstream.worker.cancellation.CancellationCheck;
import io.taskstream.worker.handler.HandlerRegistry;
import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.NonRetryableException;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;
import io.taskstream.schemas.tracing.TracedWork;
import io.taskstream.schemas.tracing.Tracing;
import tools.jackson.databind.JsonNode;

/**
 * Runs one attempt of a task: the worker's side of steps 5–6 of the task flow.
 *
 * <h2>How an attempt runs</h2>
 * <ol>
 *   <li>A dispatch whose {@code deadline} has passed before it could start is not run and nothing is
 *       reported: the scheduler has already timed that attempt out and dispatched the next one
 *       ({@code taskstream.worker.dispatches.skipped{reason=expired}}).</li>
 *   <li>Read the task's cancel flag ({@link CancellationCheck}). Set: report a {@code CANCELLED}
 *       result (code {@code cancelled}, not retryable) at once; no {@code PROCESSING} event, the
 *       handler is not run. A flag that cannot be read counts as not set.</li>
 *   <li>If a handler exists for the type, ask the {@link AttemptGuard} (circuit breaker, bulkhead and
 *       rate limiter of the type). A {@link AttemptGuard.Deferral} ends the attempt {@code DEFERRED}
 *       with its code and {@code retryAt}, not counted; no {@code PROCESSING} event, the handler is
 *       not run. A {@link AttemptGuard.Permit} is told how the attempt ended and closed after it.</li>
 *   <li>Report {@code PROCESSING} to {@code events} with the version the scheduler reserved in
 *       {@link TaskDispatch#eventVersion()}, {@code attempts = dispatch.attempt} and an open
 *       {@link Execution} (no outcome). This report is best effort: losing it only hides the
 *       {@code PROCESSING} state, so its failure is logged and never holds the attempt back.</li>
 *   <li>Find the handler by task type and run it on a virtual thread of its own, with the task's ids
 *       in the logging MDC, for at most the task's {@code timeout}. Its
 *       {@link TaskContext#isCancelled()} re-reads the flag at most once per
 *       {@code cancel-check-interval}. When the timeout passes, the handler's thread is interrupted
 *       and the attempt ends {@code TIMED_OUT} (code {@code timeout}, retryable); a handler that
 *       ignores the interrupt is given {@code timeoutGrace} more, then abandoned — left running,
 *       counted in {@code taskstream.worker.attempts.abandoned} — and the attempt ends
 *       {@code TIMED_OUT} all the same, so its slot's caller is free.</li>
 *   <li>Turn what happened into an {@link AttemptResult} (see the table) and report it to
 *       {@code results}. The returned future completes when that report is durable: the caller
 *       commits the dispatch's offset only then (at-least-once).</li>
 * </ol>
 *
 * <h2>What a handler's answer becomes</h2>
 * <table>
 *   <tr><th>handler</th><th>outcome</th><th>error code</th><th>retryable</th></tr>
 *   <tr><td>{@code Completed(result)}</td><td>COMPLETED</td><td>–</td><td>–</td></tr>
 *   <tr><td>{@code Completed} larger than the result limit</td><td>FAILED</td><td>{@code result_too_large}</td><td>no</td></tr>
 *   <tr><td>{@code Failed(code, message, r)}</td><td>FAILED</td><td>{@code code}</td><td>{@code r}</td></tr>
 *   <tr><td>{@code Snooze(delay)}</td><td>DEFERRED, {@code retryAt} = end + {@code delay}</td><td>{@code snoozed}</td><td>yes
 *       (the same attempt runs again at {@code retryAt}, not counted)</td></tr>
 *   <tr><td>{@code Cancelled(reason)}</td><td>CANCELLED</td><td>{@code cancelled}</td><td>no</td></tr>
 *   <tr><td>throws {@link NonRetryableException}, or an exception assignable to one of the
 *       configured non-retryable types</td><td>FAILED</td><td>{@code handler_error}</td><td>no</td></tr>
 *   <tr><td>throws anything else, or returns {@code null}</td><td>FAILED</td><td>{@code handler_error}</td><td>yes / no</td></tr>
 *   <tr><td>— (the {@link AttemptGuard} defers it: {@code circuit_open}, {@code bulkhead_full},
 *       {@code rate_limited})</td><td>DEFERRED, {@code retryAt} as the guard says</td><td>its code</td><td>yes
 *       (not counted)</td></tr>
 *   <tr><td>no handler for the type</td><td>FAILED</td><td>{@code no_handler}</td><td>no</td></tr>
 *   <tr><td>— (an encrypted payload this worker cannot decrypt: no key ring, unknown key id, altered,
 *       another task's)</td><td>FAILED</td><td>{@code payload_undecryptable}</td><td>no</td></tr>
 *   <tr><td>— (cancel flag set before the attempt started)</td><td>CANCELLED</td><td>{@code cancelled}</td><td>no</td></tr>
 *   <tr><td>runs longer than the task's {@code timeout}</td><td>TIMED_OUT</td><td>{@code timeout}</td><td>yes</td></tr>
 *   <tr><td>the caller is interrupted (shutdown) before {@link #stopping()}, or its handler does
 *       not stop within {@code timeoutGrace}</td><td colspan="3">nothing reported:
 *       {@link AttemptAbandonedException}; the handler's thread is interrupted</td></tr>
 *   <tr><td>the caller is interrupted after {@link #stopping()}, and the handler stops within
 *       {@code timeoutGrace}</td><td>DEFERRED, {@code retryAt} = end</td><td>{@code interrupted}</td><td>yes
 *       (at once, not counted)</td></tr>
 * </table>
 *
 * <p>A {@code DEFERRED} attempt did not run to an end and does not count as one: the scheduler waits
 * until {@code retryAt} (within its own bounds) and dispatches the same attempt number again.
 *
 * <p>The worker never reports {@code COMPLETED} or {@code FAILED} task events: the scheduler matches
 * the result against what it dispatched and decides (retry, dead-letter, complete). That includes
 * a cancel that arrives while the handler runs and that the handler does not act on: the worker
 * reports what the handler answered, and the scheduler ends the task {@code CANCELLED} unless it
 * {@code COMPLETED}.
 *
 * <h2>Leases</h2>
 * Before step 1 the attempt takes its task's lease ({@link AttemptLeases}): a dispatch some worker
 * already finished is not run again ({@code skipped{reason=finished}}); while another worker holds
 * the task, or Redis cannot be reached, the attempt waits, up to the dispatch's deadline
 * ({@code skipped{reason=expired}} after it). The lease's fencing token travels in the result; a
 * worker that lost the lease while the handler ran does not report
 * ({@code skipped{reason=lease_lost}}). Once the result is durable the attempt is marked finished
 * and the lease released — except a {@code DEFERRED} one: the scheduler dispatches the same attempt
 * number again, which must run. (A redelivery of the deferred dispatch itself may then run too; the
 * scheduler discards its result, which carries no newer lease than the deferral's.)
 *
 * <h2>Encrypted tasks</h2>
 * A dispatch with {@code encrypt = true} carries its payload as an envelope ({@link PayloadCipher}). It is
 * decrypted after the cancel and handler checks, before the {@link AttemptGuard} and the handler: the handler
 * sees the plaintext (and {@link TaskContext#isEncrypted()}), nothing else keeps it. One that cannot be
 * decrypted never reaches the handler and fails, not retryable — the same bytes would meet the same keys —
 * with a message that names the key id and the reason, never content. A completed attempt's result is
 * encrypted (bound to the task's result, not its payload) before it is reported. A handler's exception
 * messages are withheld from the failure and from the log (class name only), since they often quote the
 * payload; messages the handler writes itself ({@code HandlerResult.failed}, progress) are its own to keep clean.
 *
 * <h2>Stopping</h2>
 * A graceful shutdown calls {@link #stopping()} before it interrupts the attempts still running:
 * each is then reported {@code DEFERRED} with {@code retryAt} = now and code {@code interrupted},
 * under its lease, so the scheduler dispatches it again at once (to any worker) without counting it
 * and without waiting for its visibility timeout.
 */
public final class TaskExecutor {

    public static final String NO_HANDLER = "no_handler";
    public static final String HANDLER_ERROR = "handler_error";
    public static final String RESULT_TOO_LARGE = "result_too_large";
    public static final String SNOOZED = "snoozed";
    public static final String INTERRUPTED = "interrupted";
    public static final String CANCELLED = "cancelled";
    public static final String TIMEOUT = "timeout";
    public static final String PAYLOAD_UNDECRYPTABLE = "payload_undecryptable";
    public static final String RESULT_UNENCRYPTABLE = "result_unencryptable";

    /** The cipher of a worker without a key ring: encrypted dispatches fail {@value #PAYLOAD_UNDECRYPTABLE}. */
    private static final PayloadCipher NO_KEYS = new PayloadCipher(KeyProvider.NONE, new SecureRandom());

    /**
     * The furthest a deferral is put on the wire: a snooze longer than this (more than any scheduler
     * waits; it clamps to its own maximum, 1 h by default) is cut, so {@code retryAt} stays a date.
     */
    static final Duration LONGEST_DEFERRAL = Duration.ofDays(3650);

    /** {@code task_duration_seconds{type,outcome}}: how long handlers ran (a histogram with {@link #BUCKETS}). */
    public static final String TASK_DURATION = "task.duration";
    /** {@code task_pickup_latency_seconds{priority}}: from due to started ({@link #BUCKETS}); see {@code recordPickup}. */
    public static final String PICKUP_LATENCY = "task.pickup.latency";
    /** The histogram buckets of both ({@code le} of their {@code _bucket} series), from 5 ms to 5 min. */
    static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(300)};

    private static final Logger log = LoggerFactory.getLogger(TaskExecutor.class);

    /**
     * What the executor is told at start-up.
     *
     * @param workerId               names this worker in results and events
     * @param maxResultBytes         the largest serialized result that completes an attempt
     * @param nonRetryableExceptions handler exceptions assignable to one of these fail the attempt
     *                               not retryable, like {@link NonRetryableException}
     * @param timeoutGrace           how long a handler interrupted at its timeout may take to stop
     *                               before it is abandoned
     */
    public record Settings(String workerId, long maxResultBytes,
                           List<Class<? extends Throwable>> nonRetryableExceptions, Duration timeoutGrace) {
        public Settings {
            Objects.requireNonNull(workerId, "workerId");
            if (maxResultBytes < 1) {
                throw new IllegalArgumentException("maxResultBytes must be positive");
            }
            nonRetryableExceptions = List.copyOf(nonRetryableExceptions);
            Objects.requireNonNull(timeoutGrace, "timeoutGrace");
        }

        public Settings(String workerId, long maxResultBytes, List<Class<? extends Throwable>> nonRetryableExceptions) {
            this(workerId, maxResultBytes, nonRetryableExceptions, Duration.ofSeconds(5));
        }

        public Settings(String workerId, long maxResultBytes) {
            this(workerId, maxResultBytes, List.of());
        }
    }

    private final HandlerRegistry handlers;
    private final AttemptLeases leases;
    private final AttemptGuard guard;
    private final AttemptReporter reporter;
    private final CancellationCheck cancellation;
    private final Clock clock;
    private final MeterRegistry meters;
    private final String workerId;
    private final long maxResultBytes;
    private final List<Class<? extends Throwable>> nonRetryableExceptions;
    private final Duration timeoutGrace;
    /** Set once by {@link #stopping()}; read by every attempt's calling thread. */
    private volatile boolean stopping;
    private final ProgressEvents progress;
    private final PayloadCipher cipher;
    private final Tracing tracing;
    private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("taskstream.attempt");
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("taskstream.attempt.outcome");
    private final ExecutorService handlerThreads =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("taskstream-handler-", 0).factory());

    public TaskExecutor(HandlerRegistry handlers, AttemptReporter reporter, CancellationCheck cancellation,
                        Clock clock, MeterRegistry meters, Settings settings) {
        this(handlers, AttemptLeases.NONE, reporter, cancellation, clock, meters, settings);
    }

    public TaskExecutor(HandlerRegistry handlers, AttemptLeases leases, AttemptReporter reporter,
                        CancellationCheck cancellation, Clock clock, MeterRegistry meters, Settings settings) {
        this(handlers, leases, AttemptGuard.NONE, reporter, cancellation, clock, meters, settings);
    }

    public TaskExecutor(HandlerRegistry handlers, AttemptLeases leases, AttemptGuard guard, AttemptReporter reporter,
                        CancellationCheck cancellation, Clock clock, MeterRegistry meters, Settings settings) {
        this(handlers, leases, guard, reporter, cancellation, clock, meters, settings, NO_KEYS);
    }

    /**
     * @param cipher decrypts the payloads of encrypted dispatches just before their handler runs, and encrypts
     *               their results (see "Encrypted tasks" in the class comment)
     */
    public TaskExecutor(HandlerRegistry handlers, AttemptLeases leases, AttemptGuard guard, AttemptReporter reporter,
                        CancellationCheck cancellation, Clock clock, MeterRegistry meters, Settings settings,
                        PayloadCipher cipher) {
        this(handlers, leases, guard, reporter, cancellation, clock, meters, settings, cipher, Tracing.noop());
    }

    /**
     * @param tracing each attempt runs in a span of its task's trace ({@code execute <type>}), a child of
     *                the dispatch the scheduler wrote; its results and events carry that span onwards
     */
    public TaskExecutor(HandlerRegistry handlers, AttemptLeases leases, AttemptGuard guard, AttemptReporter reporter,
                        CancellationCheck cancellation, Clock clock, MeterRegistry meters, Settings settings,
                        PayloadCipher cipher, Tracing tracing) {
        this.tracing = Objects.requireNonNull(tracing, "tracing");
        this.cipher = Objects.requireNonNull(cipher, "cipher");
        this.handlers = Objects.requireNonNull(handlers, "handlers");
        this.leases = Objects.requireNonNull(leases, "leases");
        this.guard = Objects.requireNonNull(guard, "guard");
        this.reporter = Objects.requireNonNull(reporter, "reporter");
        this.cancellation = Objects.requireNonNull(cancellation, "cancellation");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.meters = Objects.requireNonNull(meters, "meters");
        this.workerId = settings.workerId();
        this.maxResultBytes = settings.maxResultBytes();
        this.nonRetryableExceptions = settings.nonRetryableExceptions();
        this.timeoutGrace = settings.timeoutGrace();
        this.progress = new ProgressEvents(reporter, workerId, meters);
        // at 0 from the start for each type this worker runs: alerts see the first one as an increase
        handlers.types().forEach(type -> abandoned(type));
    }

    private Counter abandoned(String type) {
        return Counter.builder("taskstream.worker.attempts.abandoned")
                .description("Handlers still running after their timeout and grace, left behind")
                .tag("type", type).register(meters);
    }

    /**
     * Tells the executor that the worker is stopping gracefully; it cannot be undone. From then on an
     * attempt whose calling thread is interrupted while its handler runs (what
     * {@code ExecutorService.shutdownNow()} does to the slots still busy when the shutdown stops
     * waiting) is not abandoned: its handler is interrupted and given {@code timeoutGrace} to stop,
     * and if it does, the attempt is reported {@code DEFERRED} with {@code retryAt} = now and error
     * code {@code interrupted} (retryable), under its lease. The scheduler then dispatches the same
     * attempt number again at once, to any worker, without counting it. The returned future of
     * {@link #execute} completes when that report is durable, as for any result, so the dispatch's
     * offset may be committed. A handler that does not stop within the grace is abandoned as before
     * (nothing reported), so the task is never run twice at the same time; an attempt interrupted
     * while it still waited for its lease had not started and is abandoned too (delivered again).
     * Call it before interrupting the attempts.
     */
    public void stopping() {
        stopping = true;
    }

    /**
     * Runs one attempt, blocking the calling thread for as long as the handler runs (at most its
     * timeout and the grace).
     *
     * @return completes with the reported result once it is durable, or with {@code null} if the
     *         dispatch had expired and nothing was run or reported; fails if the result could not be
     *         reported, or with {@link AttemptAbandonedException} if the attempt was abandoned
     */
    public CompletableFuture<AttemptResult> execute(TaskDispatch dispatch) {
        // the attempt's span: a child of the dispatch's (the consumer made the record's trace current)
        try (TracedWork span = tracing.start("execute " + dispatch.type(), SpanKind.CONSUMER, Context.current(),
                dispatch.taskId().toString(), dispatch.tenantId()).put(TracedWork.WORKER_ID, workerId)) {
            span.span().setAttribute(ATTEMPT, dispatch.attempt());
            Instant deadline = dispatch.deadline() != null ? dispatch.deadline() : Instant.MAX;
            if (clock.instant().isAfter(deadline)) {
                log.warn("Not running attempt {} of task {}: its deadline {} passed before it could start; the"
                        + " scheduler has timed it out", dispatch.attempt(), dispatch.taskId(), deadline);
                return skipped("expired");
            }
            Optional<AttemptLeases.AttemptLease> taken;
            try {
                taken = leases.acquire(dispatch, deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AttemptAbandonedException("interrupted while waiting for the task's lease", e);
            }
            if (taken.isEmpty()) {
                log.warn("Not running attempt {} of task {}: another worker held the task (or Redis was unreachable)"
                        + " until its deadline {}", dispatch.attempt(), dispatch.taskId(), deadline);
                return skipped("expired");
            }
            AttemptLeases.AttemptLease lease = taken.get();
            if (leases.isFinished(dispatch)) { // asked under the lease: the finisher marks before it lets go
                lease.close();
                log.info("Not running attempt {} of task {} again: a worker already finished it", dispatch.attempt(),
                        dispatch.taskId());
                return skipped("finished");
            }
            CompletableFuture<AttemptResult> reported;
            try {
                reported = run(dispatch, lease);
            } catch (RuntimeException | Error e) {
                lease.close();
                throw e;
            }
            if (leases == AttemptLeases.NONE) {
                return reported; // nothing to mark or release
            }
            // off the producer's I/O thread, which completes `reported`: these are Redis calls
            return reported.whenCompleteAsync((result, failure) -> {
                if (failure == null && result != null) {
                    leases.finished(dispatch); // this dispatch; a deferred attempt's next one has its own
                }
                lease.close();
            }, handlerThreads);
        } catch (AttemptAbandonedException e) {
            log.warn("Abandoned attempt {} of task {}: {}", dispatch.attempt(), dispatch.taskId(), e.getMessage());
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Runs the attempt under its lease: steps 2–5 of the class comment. */
    private CompletableFuture<AttemptResult> run(TaskDispatch dispatch, AttemptLeases.AttemptLease lease) {
        Instant startedAt = clock.instant();
        Optional<TaskHandler> handler = handlers.find(dispatch.type());
        if (cancellation.isCancelled(dispatch.taskId())) {
            // nothing ran, so nothing was PROCESSING: the result alone tells the scheduler
            return finish(dispatch, handler, new Outcome(AttemptOutcome.CANCELLED, null,
                    TaskError.permanent(CANCELLED, "task was cancelled before attempt " + dispatch.attempt()
                            + " started")), startedAt, lease);
        }
        if (handler.isEmpty()) {
            reportStarted(dispatch, startedAt);
            return finish(dispatch, handler, Outcome.failed(TaskError.permanent(NO_HANDLER,
                    "no handler for task type '" + dispatch.type() + "' on worker " + workerId)), startedAt, lease);
        }
        TaskDispatch opened = dispatch;
        if (dispatch.encrypt()) {
            try {
                opened = cipher.openPayload(dispatch);
            } catch (PayloadCipherException e) {
                // retrying cannot help: the same bytes meet the same keys (replay from the DLQ once they are there)
                log.warn("Attempt {} of task {} fails: its encrypted payload cannot be decrypted ({}, key {})",
                        dispatch.attempt(), dispatch.taskId(), e.reason(), e.keyId());
                reportStarted(dispatch, startedAt);
                return finish(dispatch, handler, Outcome.failed(TaskError.permanent(PAYLOAD_UNDECRYPTABLE,
                        "the encrypted payload cannot be decrypted on worker " + workerId + ": " + e.getMessage())),
                        startedAt, lease);
            }
        }
        Outcome outcome;
        switch (guard.admit(dispatch)) {
            case AttemptGuard.Deferral(String code, String message, Duration retryAfter) -> {
                // not run, so not PROCESSING, and not counted: the scheduler runs it again at retryAt
                return finish(dispatch, handler, Outcome.deferred(TaskError.retryable(code, message), retryAfter),
                        startedAt, lease);
            }
            case AttemptGuard.Permit permit -> {
                try (permit) {
                    recordPickup(dispatch, startedAt);
                    reportStarted(dispatch, startedAt);
                    outcome = runWithin(handler.get(), opened, startedAt);
                    permit.ended(outcome.outcome(), outcome.error());
                }
            }
        }
        return finish(dispatch, handler, outcome, startedAt, lease);
    }

    private CompletableFuture<AttemptResult> skipped(String reason) {
        Counter.builder("taskstream.worker.dispatches.skipped")
                .description("Dispatches on the ready topics that were not run, by reason")
                .tag("reason", reason).register(meters).increment();
        return CompletableFuture.completedFuture(null);
    }

    private CompletableFuture<AttemptResult> finish(TaskDispatch dispatch, Optional<TaskHandler> handler,
                                                    Outcome outcome, Instant startedAt,
                                                    AttemptLeases.AttemptLease lease) {
        Instant finishedAt = clock.instant();
        if (dispatch.encrypt() && outcome.result() != null) {
            outcome = sealResult(dispatch, outcome);
        }
        Instant retryAt = outcome.retryAfter() == null ? null
                : finishedAt.plus(outcome.retryAfter().compareTo(LONGEST_DEFERRAL) > 0
                        ? LONGEST_DEFERRAL : outcome.retryAfter());
        AttemptResult result = new AttemptResult(dispatch.taskId(), dispatch.tenantId(), dispatch.attempt(),
                lease.fencingToken(), workerId, outcome.outcome(), outcome.result(), outcome.error(),
                startedAt, finishedAt, retryAt);
        record(handler.isPresent() ? dispatch.type() : "unknown", result);
        Span.current().setAttribute(OUTCOME, outcome.outcome().name());
        if (outcome.outcome() == AttemptOutcome.FAILED || outcome.outcome() == AttemptOutcome.TIMED_OUT) {
            Span.current().setStatus(StatusCode.ERROR, outcome.error() == null ? "" : outcome.error().code());
        }
        if (!lease.isValid()) {
            // another worker may hold the task now: this one must stop reporting (the scheduler's
            // visibility timeout retries the attempt if nobody else finishes it)
            log.warn("Not reporting attempt {} of task {} ({}): this worker lost the task's lease while it ran",
                    dispatch.attempt(), dispatch.taskId(), outcome.outcome());
            return skipped("lease_lost");
        }
        // a stopping worker's interrupted caller still reports (see stopping())
        return uninterrupted(() -> report(result));
    }

    /**
     * Runs {@code action} with the calling thread's interrupt status cleared, then restores it: an
     * attempt interrupted by a stopping worker must still report its result and release its lease,
     * and blocking clients (Kafka's metadata wait, Redis) refuse to work on an interrupted thread.
     */
    private static <T> T uninterrupted(Supplier<T> action) {
        boolean interrupted = Thread.interrupted();
        try {
            return action.get();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void reportStarted(TaskDispatch dispatch, Instant startedAt) {
        TaskEvent processing = TaskEvent.statusChange(dispatch.taskId(), dispatch.tenantId(),
                        dispatch.eventVersion(), TaskStatus.PROCESSING, startedAt, dispatch.attempt())
                .withExecution(new Execution(dispatch.attempt(), workerId, startedAt, null, null, null, null));
        try {
            reporter.started(processing).whenComplete((ok, failure) -> {
                if (failure != null) {
                    log.warn("Could not report PROCESSING of task {} attempt {}: {}", dispatch.taskId(),
                            dispatch.attempt(), failure.toString());
                }
            });
        } catch (RuntimeException e) {
            log.warn("Could not report PROCESSING of task {} attempt {}: {}", dispatch.taskId(), dispatch.attempt(),
                    e.toString());
        }
    }

    /** Runs the handler on a thread of its own, for at most the task's timeout. */
    private Outcome runWithin(TaskHandler handler, TaskDispatch dispatch, Instant notCancelledAt) {
        CountDownLatch ended = new CountDownLatch(1);
        Future<Outcome> running = handlerThreads.submit(TracedWork.carry(() -> {
            try {
                return run(handler, dispatch, notCancelledAt);
            } finally {
                ended.countDown();
            }
        }));
        try {
            return running.get(dispatch.timeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            running.cancel(true);
            if (running.state() == Future.State.SUCCESS) {
                return running.resultNow(); // it finished just as the timeout passed
            }
            boolean stopped = awaitQuietly(ended, timeoutGrace);
            if (!stopped) {
                abandoned(dispatch.type()).increment();
            }
            log.warn("Task handler '{}' ran longer than the task's timeout of {}; {}", dispatch.type(),
                    dispatch.timeout(), stopped ? "it stopped when interrupted"
                            : "it ignored the interrupt for " + timeoutGrace + " and was abandoned, still running");
            return new Outcome(AttemptOutcome.TIMED_OUT, null, TaskError.retryable(TIMEOUT,
                    "handler ran longer than the task's timeout of " + dispatch.timeout()));
        } catch (InterruptedException e) {
            running.cancel(true);
            if (stopping && awaitQuietly(ended, timeoutGrace)) {
                // the handler has stopped, so the same attempt may run again elsewhere at once
                Thread.currentThread().interrupt();
                log.info("Attempt {} of task {} interrupted: the worker is stopping; it runs again at once",
                        dispatch.attempt(), dispatch.taskId());
                return Outcome.deferred(TaskError.retryable(INTERRUPTED, "worker " + workerId
                        + " stopped while the attempt ran"), Duration.ZERO);
            }
            Thread.currentThread().interrupt();
            throw new AttemptAbandonedException("interrupted while the handler ran", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("running a handler never fails: its outcome says what happened",
                    e.getCause());
        }
    }

    private static boolean awaitQuietly(CountDownLatch latch, Duration timeout) {
        try {
            return latch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Outcome run(TaskHandler handler, TaskDispatch dispatch, Instant notCancelledAt) {
        HandlerResult answer;
        try {
            answer = handler.handle(contextFor(dispatch, notCancelledAt));
        } catch (NonRetryableException e) {
            logFailure(dispatch, "failed, not retryable", e);
            return Outcome.failed(TaskError.permanent(HANDLER_ERROR, describe(e, dispatch)));
        } catch (Exception | StackOverflowError | LinkageError e) {
            // an interrupt comes from the timeout or a shutdown, which no longer wait for this outcome;
            // a handler that throws InterruptedException of its own accord fails retryably, like any other
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (isNonRetryable(e)) {
                logFailure(dispatch, "failed, not retryable (taskstream.worker.non-retryable-exceptions)", e);
                return Outcome.failed(TaskError.permanent(HANDLER_ERROR, describe(e, dispatch)));
            }
            logFailure(dispatch, "failed", e);
            return Outcome.failed(TaskError.retryable(HANDLER_ERROR, describe(e, dispatch)));
        }
        if (answer == null) {
            return Outcome.failed(TaskError.permanent(HANDLER_ERROR,
                    "handler " + handler.getClass().getName() + " returned null instead of a HandlerResult"));
        }
        return switch (answer) {
            case HandlerResult.Completed(JsonNode result) -> completed(result);
            case HandlerResult.Failed(String code, String message, boolean retryable) ->
                    Outcome.failed(new TaskError(code, message, retryable));
            // not counted as an attempt: the scheduler runs the same one again at retryAt
            case HandlerResult.Snooze(Duration delay) ->
                    Outcome.deferred(TaskError.retryable(SNOOZED, "handler asked to run again after " + delay), delay);
            case HandlerResult.Cancelled(String reason) ->
                    new Outcome(AttemptOutcome.CANCELLED, null, TaskError.permanent(CANCELLED, reason));
        };
    }

    /** Only the thrown exception's own type counts, not its causes: see the README's gotchas. */
    private boolean isNonRetryable(Throwable e) {
        for (Class<? extends Throwable> type : nonRetryableExceptions) {
            if (type.isInstance(e)) {
                return true;
            }
        }
        return false;
    }

    private TaskContext contextFor(TaskDispatch dispatch, Instant notCancelledAt) {
        return TaskContext.builder(dispatch.type())
                .taskId(dispatch.taskId())
                .tenantId(dispatch.tenantId())
                .priority(dispatch.priority())
                .maxAttempts(dispatch.maxAttempts())
                .attempt(dispatch.attempt())
                .payload(dispatch.payload())
                .labels(dispatch.labels())
                .encrypted(dispatch.encrypt())
                .cancelled(cancellation.during(dispatch.taskId(), notCancelledAt))
                .clock(clock)
                .progress(progress.sinkFor(dispatch, notCancelledAt)) // notCancelledAt is the attempt's start
                .build();
    }

    private Outcome completed(JsonNode result) {
        if (result != null) {
            int size = Json.mapper().writeValueAsBytes(result).length;
            if (size > maxResultBytes) {
                return Outcome.failed(TaskError.permanent(RESULT_TOO_LARGE,
                        "result is " + size + " bytes serialized, more than the limit of " + maxResultBytes));
            }
        }
        return new Outcome(AttemptOutcome.COMPLETED, result, null);
    }

    private CompletableFuture<AttemptResult> report(AttemptResult result) {
        log.info("Attempt {} of task {} ({}) ended {}{} after {} ms", result.attempt(), result.taskId(),
                result.workerId(), result.outcome(), result.error() == null ? "" : " " + result.error().code(),
                result.toExecution().durationMs());
        try {
            return reporter.finished(result).thenApply(v -> result);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void record(String typeTag, AttemptResult result) {
        String outcomeTag = result.outcome().name().toLowerCase(Locale.ROOT);
        Counter.builder("taskstream.worker.tasks")
                .description("Attempts run by this worker, by task type and outcome")
                .tag("type", typeTag).tag("outcome", outcomeTag)
                .register(meters).increment();
        Timer.builder(TASK_DURATION)
                .description("How long handlers ran, by task type and outcome")
                .tag("type", typeTag).tag("outcome", outcomeTag)
                .serviceLevelObjectives(BUCKETS)
                .register(meters).record(Duration.between(result.startedAt(), result.finishedAt()));
    }

    /**
     * {@code task_pickup_latency_seconds{priority}}: from the moment the task was due to the moment its
     * handler starts. The dispatch's {@code dispatchedAt} stands for "due": the scheduler dispatches a
     * task the moment it is due (at admission when due at once; when its timer fires for a delay or a
     * retry's backoff), so this is the wait on the ready topic and in this worker's queue, not the
     * scheduler's own lag (at most its tick, {@code scheduler_timer_store_size} shows what waits there).
     */
    private void recordPickup(TaskDispatch dispatch, Instant startedAt) {
        Instant due = dispatch.dispatchedAt() != null ? dispatch.dispatchedAt() : dispatch.createdAt();
        if (due == null) {
            return;
        }
        Duration latency = Duration.between(due, startedAt);
        Timer.builder(PICKUP_LATENCY)
                .description("From the moment a task was due (dispatched) to the moment its handler started")
                .tag("priority", dispatch.priority().topicSuffix())
                .serviceLevelObjectives(BUCKETS)
                .register(meters).record(latency.isNegative() ? Duration.ZERO : latency); // clocks of two hosts
    }

    /**
     * The exception as a failure message: its class and message — for an encrypted task its class alone,
     * since a handler's exception messages often quote the payload, and failures are stored in clear.
     */
    private static String describe(Throwable e, TaskDispatch dispatch) {
        if (dispatch.encrypt()) {
            return e.getClass().getName() + " (message withheld: the task is encrypted)";
        }
        return e.getMessage() == null ? e.getClass().getName() : e.getClass().getName() + ": " + e.getMessage();
    }

    /**
     * Logs a handler's exception with its stack trace — for an encrypted task its class alone, since a stack
     * trace prints the messages of the exception and its causes (see describe).
     */
    private static void logFailure(TaskDispatch dispatch, String what, Throwable e) {
        if (dispatch.encrypt()) {
            log.warn("Task handler '{}' {}: {}", dispatch.type(), what, describe(e, dispatch));
        } else {
            log.warn("Task handler '{}' {}", dispatch.type(), what, e);
        }
    }

    /** A completed encrypted task's result, encrypted; a result that cannot be fails the attempt, not retryable. */
    private Outcome sealResult(TaskDispatch dispatch, Outcome outcome) {
        try {
            return new Outcome(outcome.outcome(), cipher.sealResult(dispatch.tenantId(), dispatch.taskId(),
                    outcome.result()), outcome.error(), outcome.retryAfter());
        } catch (PayloadCipherException e) {
            log.warn("Attempt {} of task {} fails: its result cannot be encrypted ({})", dispatch.attempt(),
                    dispatch.taskId(), e.reason());
            return Outcome.failed(TaskError.permanent(RESULT_UNENCRYPTABLE, "the result cannot be encrypted on worker "
                    + workerId + ": " + e.getMessage()));
        }
    }

    /** What one attempt came to, before it is put on the wire; {@code retryAfter} only for {@code DEFERRED}. */
    private record Outcome(AttemptOutcome outcome, JsonNode result, TaskError error, Duration retryAfter) {
        Outcome(AttemptOutcome outcome, JsonNode result, TaskError error) {
            this(outcome, result, error, null);
        }

        static Outcome failed(TaskError error) {
            return new Outcome(AttemptOutcome.FAILED, null, error);
        }

        /** Run the same attempt again {@code retryAfter} after this one ended. */
        static Outcome deferred(TaskError reason, Duration retryAfter) {
            return new Outcome(AttemptOutcome.DEFERRED, null, reason, retryAfter);
        }
    }
}
