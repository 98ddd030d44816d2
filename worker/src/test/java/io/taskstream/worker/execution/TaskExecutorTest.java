package io.taskstream.worker.execution;

import static io.taskstream.worker.support.Dispatches.T0;
import static io.taskstream.worker.support.Dispatches.dispatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.Document;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.worker.handler.HandlerRegistry;
import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.NonRetryableException;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;
import io.taskstream.embedded.MutableClock;
import io.taskstream.worker.cancellation.CancellationCheck;
import io.taskstream.worker.support.InMemoryCancellationFlags;
import io.taskstream.worker.support.RecordingReporter;

class TaskExecutorTest {

    static final String WORKER = "worker-1";
    static final int MAX_RESULT_BYTES = 100;
    static final Duration CHECK_INTERVAL = Duration.ofMillis(500);
    static final SchemaValidator VALIDATOR = SchemaValidator.load();

    final MutableClock clock = new MutableClock(T0);
    final RecordingReporter reporter = new RecordingReporter();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final InMemoryCancellationFlags flags = new InMemoryCancellationFlags();
    List<Class<? extends Throwable>> nonRetryable = List.of();

    /** A handler given as a lambda; {@code work} runs with the clock moved by one second. */
    TaskHandler handler(String type, Work work) {
        return new TaskHandler() {
            @Override
            public String type() {
                return type;
            }

            @Override
            public HandlerResult handle(TaskContext context) throws Exception {
                clock.advance(Duration.ofSeconds(1));
                return work.run(context);
            }
        };
    }

    interface Work {
        HandlerResult run(TaskContext context) throws Exception;
    }

    TaskExecutor executor(TaskHandler... handlers) {
        return executor(AttemptLeases.NONE, handlers);
    }

    TaskExecutor executor(AttemptLeases leases, TaskHandler... handlers) {
        return new TaskExecutor(HandlerRegistry.of(List.of(handlers)), leases, reporter,
                new CancellationCheck(flags, clock, CHECK_INTERVAL, meters), clock, meters,
                new TaskExecutor.Settings(WORKER, MAX_RESULT_BYTES, nonRetryable));
    }

    AttemptResult run(TaskExecutor executor, TaskDispatch dispatch) throws Exception {
        return executor.execute(dispatch).get();
    }

    @AfterEach
    void mdcIsClearedAfterEveryAttempt() {
        assertThat(org.slf4j.MDC.getCopyOfContextMap()).isNullOrEmpty();
    }

    @Test
    void aCompletedAttemptReportsProcessingWithTheReservedVersionThenACompletedResult() throws Exception {
        UUID id = UUID.randomUUID();
        TaskDispatch dispatch = dispatch(id, "email.send", Map.of("to", "a@example.com"), 2, 4, 11);

        AttemptResult result = run(executor(handler("email.send",
                ctx -> HandlerResult.completed(Map.of("messageId", "m-1")))), dispatch);

        assertThat(reporter.events).singleElement().satisfies(event -> {
            assertThat(event.taskId()).isEqualTo(id);
            assertThat(event.tenantId()).isEqualTo("acme");
            assertThat(event.status()).isEqualTo(TaskStatus.PROCESSING);
            assertThat(event.version()).isEqualTo(11);
            assertThat(event.attempts()).isEqualTo(2);
            assertThat(event.occurredAt()).isEqualTo(T0);
            assertThat(event.execution()).isEqualTo(new Execution(2, WORKER, T0, null, null, null, null));
        });
        assertThat(reporter.results).containsExactly(result);
        assertThat(result.taskId()).isEqualTo(id);
        assertThat(result.attempt()).isEqualTo(2);
        assertThat(result.fencingToken()).isZero();
        assertThat(result.workerId()).isEqualTo(WORKER);
        assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(result.result().get("messageId").asString()).isEqualTo("m-1");
        assertThat(result.error()).isNull();
        assertThat(result.startedAt()).isEqualTo(T0);
        assertThat(result.finishedAt()).isEqualTo(T0.plusSeconds(1));
    }

    @Test
    void theHandlerSeesTheDispatchThroughItsContext() throws Exception {
        UUID id = UUID.randomUUID();
        TaskContext[] seen = new TaskContext[1];
        run(executor(handler("report.generate", ctx -> {
            seen[0] = ctx;
            assertThat(org.slf4j.MDC.get("task_id")).isEqualTo(id.toString());
            assertThat(org.slf4j.MDC.get("tenant_id")).isEqualTo("acme");
            assertThat(org.slf4j.MDC.get("worker_id")).isEqualTo(WORKER);
            return HandlerResult.completed();
        })), dispatch(id, "report.generate", Map.of("ms", 5), 3, 5, 9));

        assertThat(seen[0].taskId()).isEqualTo(id);
        assertThat(seen[0].tenantId()).isEqualTo("acme");
        assertThat(seen[0].type()).isEqualTo("report.generate");
        assertThat(seen[0].attempt()).isEqualTo(3);
        assertThat(seen[0].maxAttempts()).isEqualTo(5);
        assertThat(seen[0].payload().get("ms").asInt()).isEqualTo(5);
        assertThat(seen[0].labels()).containsEntry("team", "billing");
        assertThat(seen[0].isCancelled()).isFalse();
    }

    @Test
    void aHandlerThatThrowsFailsRetryablyWithHandlerError() throws Exception {
        AttemptResult result = run(executor(handler("flaky", ctx -> {
            throw new IllegalStateException("upstream down");
        })), dispatch("flaky", Map.of()));

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.FAILED);
        assertThat(result.error()).isEqualTo(TaskError.retryable("handler_error",
                "java.lang.IllegalStateException: upstream down"));
        assertThat(result.result()).isNull();
        assertThat(result.finishedAt()).isEqualTo(T0.plusSeconds(1));
    }

    @Test
    void aNonRetryableExceptionFailsWithoutRetry() throws Exception {
        AttemptResult result = run(executor(handler("strict", ctx -> {
            throw new NonRetryableException("bad address");
        })), dispatch("strict", Map.of()));

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.FAILED);
        assertThat(result.error().code()).isEqualTo("handler_error");
        assertThat(result.error().retryable()).isFalse();
        assertThat(result.error().message()).contains("bad address");
    }

    @Test
    void aTaskWithoutAHandlerFailsWithNoHandlerNotRetryable() throws Exception {
        TaskDispatch dispatch = dispatch("nobody.knows", Map.of());

        AttemptResult result = run(executor(handler("log", ctx -> HandlerResult.completed())), dispatch);

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.FAILED);
        assertThat(result.error().code()).isEqualTo("no_handler");
        assertThat(result.error().retryable()).isFalse();
        assertThat(result.error().message()).contains("nobody.knows");
        assertThat(reporter.events).singleElement()
                .extracting(TaskEvent::status).isEqualTo(TaskStatus.PROCESSING);
        assertThat(meters.get("taskstream.worker.tasks").tags("type", "unknown", "outcome", "failed")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void aResultLargerThanTheLimitFailsWithResultTooLargeNotRetryable() throws Exception {
        String justFits = "x".repeat(MAX_RESULT_BYTES - 2); // "xx…x" with its quotes: exactly the limit
        AttemptResult fits = run(executor(handler("big", ctx -> HandlerResult.completed(justFits))),
                dispatch("big", Map.of()));
        AttemptResult tooLarge = run(executor(handler("big", ctx -> HandlerResult.completed(justFits + "x"))),
                dispatch("big", Map.of()));

        assertThat(fits.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(tooLarge.outcome()).isEqualTo(AttemptOutcome.FAILED);
        assertThat(tooLarge.error().code()).isEqualTo("result_too_large");
        assertThat(tooLarge.error().retryable()).isFalse();
        assertThat(tooLarge.result()).isNull();
    }

    @Test
    void aSnoozeIsReportedDeferredSoTheSameAttemptRunsAgainAfterItsDelay() throws Exception {
        AttemptResult result = run(executor(handler("later", ctx -> HandlerResult.snooze(Duration.ofSeconds(30)))),
                dispatch(UUID.randomUUID(), "later", Map.of(), 2, 4, 5));

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.DEFERRED);
        assertThat(result.attempt()).isEqualTo(2);
        assertThat(result.finishedAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(result.retryAt()).as("the delay counts from the attempt's end").isEqualTo(T0.plusSeconds(31));
        assertThat(result.error().code()).isEqualTo(TaskExecutor.SNOOZED);
        assertThat(result.error().retryable()).isTrue();
        assertThat(result.error().message()).contains("PT30S");
        assertThat(VALIDATOR.validate(Document.ATTEMPT_RESULT, Json.mapper().valueToTree(result))).isEmpty();
        assertThat(meters.get("taskstream.worker.tasks").tags("type", "later", "outcome", "deferred")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void aSnoozeOfZeroAsksToRunAgainAtOnceAndAnEndlessOneIsCutToAWritableDate() throws Exception {
        TaskExecutor executor = executor(handler("now", ctx -> HandlerResult.snooze(Duration.ZERO)),
                handler("never", ctx -> HandlerResult.snooze(Duration.ofSeconds(Long.MAX_VALUE))));

        AttemptResult now = run(executor, dispatch("now", Map.of()));
        AttemptResult never = run(executor, dispatch("never", Map.of()));

        assertThat(now.retryAt()).isEqualTo(now.finishedAt());
        assertThat(never.retryAt()).isEqualTo(never.finishedAt().plus(TaskExecutor.LONGEST_DEFERRAL));
        assertThat(VALIDATOR.validate(Document.ATTEMPT_RESULT, Json.mapper().valueToTree(never))).isEmpty();
    }

    @Test
    void aFailedAnswerKeepsTheHandlersCodeAndRetryability() throws Exception {
        AttemptResult result = run(executor(handler("pay",
                ctx -> HandlerResult.failed("card_declined", "declined by issuer", false))), dispatch("pay", Map.of()));

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.FAILED);
        assertThat(result.error()).isEqualTo(TaskError.permanent("card_declined", "declined by issuer"));
    }

    @Test
    void aCancelledAnswerIsACancelledAttempt() throws Exception {
        AttemptResult result = run(executor(handler("long", ctx -> HandlerResult.cancelled("asked to stop"))),
                dispatch("long", Map.of()));

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.CANCELLED);
        assertThat(result.error()).isEqualTo(TaskError.permanent("cancelled", "asked to stop"));
    }

    @Test
    void aHandlerReturningNullFailsNotRetryable() throws Exception {
        AttemptResult result = run(executor(handler("sloppy", ctx -> null)), dispatch("sloppy", Map.of()));

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.FAILED);
        assertThat(result.error().code()).isEqualTo("handler_error");
        assertThat(result.error().retryable()).isFalse();
    }

    @Test
    void theAttemptIsDoneOnlyWhenItsResultIsAcknowledged() {
        reporter.holdAcknowledgements();
        CompletableFuture<AttemptResult> done = executor(handler("log", ctx -> HandlerResult.completed()))
                .execute(dispatch("log", Map.of()));

        assertThat(reporter.results).hasSize(1);
        assertThat(done).isNotDone();
        reporter.pendingResults.getFirst().complete(null);
        assertThat(done).isCompletedWithValue(reporter.results.getFirst());
    }

    @Test
    void aResultThatCannotBeReportedFailsTheAttemptsFuture() {
        reporter.holdAcknowledgements();
        CompletableFuture<AttemptResult> done = executor(handler("log", ctx -> HandlerResult.completed()))
                .execute(dispatch("log", Map.of()));

        reporter.pendingResults.getFirst().completeExceptionally(new IllegalStateException("broker gone"));
        assertThat(done).isCompletedExceptionally();
    }

    @Test
    void aLostProcessingEventDoesNotHoldTheAttemptBack() throws Exception {
        reporter.failEventsWith(new IllegalStateException("events topic unavailable"));

        AttemptResult result = run(executor(handler("log", ctx -> HandlerResult.completed())),
                dispatch("log", Map.of()));

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
    }

    @Test
    void aHandlerThrowingInterruptedExceptionOfItsOwnAccordFailsRetryably() throws Exception {
        AttemptResult result = run(executor(handler("sleepy", ctx -> {
            throw new InterruptedException("not by the worker");
        })), dispatch("sleepy", Map.of()));

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.FAILED);
        assertThat(result.error().code()).isEqualTo(TaskExecutor.HANDLER_ERROR);
        assertThat(result.error().retryable()).isTrue();
    }

    @Test
    void anAttemptWhoseCallerIsInterruptedIsAbandonedNothingIsReportedAndTheHandlerIsInterrupted()
            throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Boolean> handlerInterrupted = new CompletableFuture<>();
        TaskExecutor executor = executor(handler("sleepy", ctx -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(); // until interrupted
            } catch (InterruptedException e) {
                handlerInterrupted.complete(true);
                throw e;
            }
            return HandlerResult.completed();
        }));
        CompletableFuture<CompletableFuture<AttemptResult>> attempt = new CompletableFuture<>();
        Thread caller = Thread.ofVirtual().start(() -> attempt.complete(executor.execute(dispatch("sleepy", Map.of()))));

        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        caller.interrupt(); // what shutdownNow() does to a slot's thread

        assertThatThrownBy(() -> attempt.get(30, TimeUnit.SECONDS).get()).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(AttemptAbandonedException.class);
        assertThat(handlerInterrupted.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(reporter.results).isEmpty();
    }

    @Test
    void aStoppingWorkerReportsAnInterruptedAttemptDeferredToRunAgainAtOnceAndReleasesItsLease() throws Exception {
        InMemoryLeases leases = new InMemoryLeases();
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Boolean> handlerInterrupted = new CompletableFuture<>();
        TaskExecutor executor = executor(leases, handler("sleepy", ctx -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(); // until interrupted
            } catch (InterruptedException e) {
                handlerInterrupted.complete(true);
                throw e;
            }
            return HandlerResult.completed();
        }));
        TaskDispatch dispatch = dispatch(UUID.randomUUID(), "sleepy", Map.of(), 3, 4, 9);
        CompletableFuture<CompletableFuture<AttemptResult>> attempt = new CompletableFuture<>();
        CompletableFuture<Boolean> callerStillInterrupted = new CompletableFuture<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            attempt.complete(executor.execute(dispatch));
            callerStillInterrupted.complete(Thread.currentThread().isInterrupted());
        });
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

        executor.stopping();
        caller.interrupt(); // what shutdownNow() does to a slot's thread

        AttemptResult result = attempt.get(30, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS);
        assertThat(handlerInterrupted.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(result.outcome()).isEqualTo(AttemptOutcome.DEFERRED);
        assertThat(result.attempt()).isEqualTo(3);
        assertThat(result.retryAt()).as("at once").isEqualTo(result.finishedAt());
        assertThat(result.error().code()).isEqualTo(TaskExecutor.INTERRUPTED);
        assertThat(result.error().retryable()).isTrue();
        assertThat(result.fencingToken()).as("reported under its lease").isEqualTo(leases.lastToken());
        assertThat(reporter.results).containsExactly(result);
        assertThat(callerStillInterrupted.get(30, TimeUnit.SECONDS)).as("the interrupt is kept for the caller")
                .isTrue();
        assertThat(leases.held()).as("released").isZero();
        assertThat(leases.closedWhileInterrupted()).as("released with the interrupt set aside").isFalse();
        assertThat(leases.isFinished(dispatch)).as("this dispatch is done; the scheduler dispatches the attempt anew")
                .isTrue();
    }

    @Test
    void aStoppingWorkerStillAbandonsAHandlerThatIgnoresTheInterruptSoTheTaskNeverRunsTwiceAtOnce()
            throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        TaskExecutor executor = new TaskExecutor(HandlerRegistry.of(List.of(handler("stubborn", ctx -> {
            started.countDown();
            while (release.getCount() > 0) {
                try {
                    release.await();
                } catch (InterruptedException ignored) {
                    // a handler that will not stop
                }
            }
            return HandlerResult.completed();
        }))), reporter, new CancellationCheck(flags, clock, CHECK_INTERVAL, meters), clock, meters,
                new TaskExecutor.Settings(WORKER, MAX_RESULT_BYTES, List.of(), Duration.ofMillis(100)));
        try {
            CompletableFuture<CompletableFuture<AttemptResult>> attempt = new CompletableFuture<>();
            Thread caller = Thread.ofVirtual().start(() ->
                    attempt.complete(executor.execute(dispatch("stubborn", Map.of()))));
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

            executor.stopping();
            caller.interrupt();

            assertThatThrownBy(() -> attempt.get(30, TimeUnit.SECONDS).get()).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(AttemptAbandonedException.class);
            assertThat(reporter.results).isEmpty();
        } finally {
            release.countDown();
        }
    }

    static TaskDispatch withTimeout(TaskDispatch d, Duration timeout) {
        return new TaskDispatch(d.taskId(), d.tenantId(), d.type(), d.payload(), d.priority(), d.attempt(),
                d.maxAttempts(), timeout, d.orderingKey(), d.labels(), d.scheduleId(), d.encrypt(), d.createdAt(),
                d.dispatchedAt(), d.deadline(), d.eventVersion());
    }

    @Test
    void aHandlerRunningPastItsTimeoutIsInterruptedAndTheAttemptTimesOutRetryably() throws Exception {
        CompletableFuture<Boolean> handlerInterrupted = new CompletableFuture<>();
        TaskExecutor executor = executor(handler("slow", ctx -> {
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                handlerInterrupted.complete(true);
                throw e;
            }
            return HandlerResult.completed();
        }));

        AttemptResult result = run(executor, withTimeout(dispatch("slow", Map.of()), Duration.ofMillis(100)));

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.TIMED_OUT);
        assertThat(result.error().code()).isEqualTo(TaskExecutor.TIMEOUT);
        assertThat(result.error().retryable()).isTrue();
        assertThat(result.error().message()).contains("PT0.1S");
        assertThat(handlerInterrupted.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(meters.get("taskstream.worker.attempts.abandoned").tag("type", "slow").counter().count())
                .as("registered at 0 for each type, never incremented").isZero();
    }

    @Test
    void aHandlerThatIgnoresTheInterruptIsAbandonedAfterTheGraceAndTheAttemptTimesOutAllTheSame()
            throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        TaskExecutor executor = new TaskExecutor(HandlerRegistry.of(List.of(handler("stubborn", ctx -> {
            while (release.getCount() > 0) {
                try {
                    release.await();
                } catch (InterruptedException ignored) {
                    // a handler that will not stop
                }
            }
            return HandlerResult.completed();
        }))), reporter, new CancellationCheck(flags, clock, CHECK_INTERVAL, meters), clock, meters,
                new TaskExecutor.Settings(WORKER, MAX_RESULT_BYTES, List.of(), Duration.ofMillis(100)));
        try {
            AttemptResult result = run(executor, withTimeout(dispatch("stubborn", Map.of()), Duration.ofMillis(100)));

            assertThat(result.outcome()).isEqualTo(AttemptOutcome.TIMED_OUT);
            assertThat(meters.get("taskstream.worker.attempts.abandoned").tag("type", "stubborn").counter().count())
                    .isEqualTo(1);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aDispatchWhoseDeadlinePassedBeforeItStartsIsNotRunAndNothingIsReported() throws Exception {
        List<TaskContext> ran = new java.util.ArrayList<>();
        TaskDispatch d = dispatch("log", Map.of());
        TaskDispatch dispatch = new TaskDispatch(d.taskId(), d.tenantId(), d.type(), d.payload(), d.priority(),
                d.attempt(), d.maxAttempts(), d.timeout(), d.orderingKey(), d.labels(), d.scheduleId(), d.encrypt(),
                T0, T0, T0.plus(Duration.ofMinutes(6)), d.eventVersion());
        clock.set(dispatch.deadline().plusMillis(1));

        AttemptResult result = run(executor(handler("log", ctx -> {
            ran.add(ctx);
            return HandlerResult.completed();
        })), dispatch);

        assertThat(result).isNull();
        assertThat(ran).isEmpty();
        assertThat(reporter.events).isEmpty();
        assertThat(reporter.results).isEmpty();
        assertThat(meters.get("taskstream.worker.dispatches.skipped").tag("reason", "expired").counter().count())
                .isEqualTo(1);
    }

    @Test
    void everyAttemptIsCountedAndTimedByTypeAndOutcome() throws Exception {
        TaskExecutor executor = executor(handler("log", ctx -> HandlerResult.completed()),
                handler("fail", ctx -> HandlerResult.failed("x", "y", true)));
        run(executor, dispatch("log", Map.of()));
        run(executor, dispatch("log", Map.of()));
        run(executor, dispatch("fail", Map.of()));

        assertThat(meters.get("taskstream.worker.tasks").tags("type", "log", "outcome", "completed")
                .counter().count()).isEqualTo(2);
        assertThat(meters.get("taskstream.worker.tasks").tags("type", "fail", "outcome", "failed")
                .counter().count()).isEqualTo(1);
        assertThat(meters.get("task.duration").tags("type", "log", "outcome", "completed").timer().totalTime(
                java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(2.0);
    }

    @Test
    void theDurationIsAHistogramWithTheSameBucketsInEveryWorker() throws Exception {
        TaskExecutor executor = executor(handler("log", ctx -> HandlerResult.completed()));

        run(executor, dispatch("log", Map.of()));

        HistogramSnapshot snapshot = meters.get("task.duration").tags("type", "log", "outcome", "completed").timer()
                .takeSnapshot();
        assertThat(snapshot.histogramCounts()).extracting(c -> c.bucket(TimeUnit.SECONDS))
                .containsExactly(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0);
        assertThat(snapshot.histogramCounts()).as("the handler took 1 s (the clock moved)")
                .filteredOn(c -> c.bucket(TimeUnit.SECONDS) < 1.0).allMatch(c -> c.count() == 0);
        assertThat(snapshot.histogramCounts()).filteredOn(c -> c.bucket(TimeUnit.SECONDS) >= 1.0)
                .allMatch(c -> c.count() == 1);
    }

    @Test
    void pickupLatencyRunsFromTheDispatchToTheHandlersStartByPriority() throws Exception {
        TaskExecutor executor = executor(handler("log", ctx -> HandlerResult.completed()));
        clock.set(T0.plusMillis(300)); // dispatched at T0, picked up 300 ms later

        run(executor, dispatch("log", Map.of(), Priority.HIGH, null));
        run(executor, dispatch("log", Map.of(), Priority.HIGH, null)); // the clock is at T0 + 1.3 s now

        Timer high = meters.get("task.pickup.latency").tag("priority", "high").timer();
        assertThat(high.count()).isEqualTo(2);
        assertThat(high.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(300 + 1300);
        assertThat(high.max(TimeUnit.MILLISECONDS)).isEqualTo(1300);
        assertThat(high.takeSnapshot().histogramCounts()).filteredOn(c -> c.bucket(TimeUnit.SECONDS) == 0.5)
                .singleElement().extracting(c -> c.count()).isEqualTo(1.0);
    }

    @Test
    void anAttemptThatNeverReachesItsHandlerHasNoPickupLatency() throws Exception {
        TaskExecutor executor = executor(handler("log", ctx -> HandlerResult.completed()));
        TaskDispatch cancelled = dispatch("log", Map.of());
        flags.cancel(cancelled.taskId());

        run(executor, cancelled);
        run(executor, dispatch("unknown.type", Map.of()));

        assertThat(meters.find("task.pickup.latency").timers()).isEmpty();
        assertThat(meters.get("task.duration").tag("outcome", "cancelled").timer().count()).isEqualTo(1);
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> new TaskExecutor.Settings(WORKER, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new TaskExecutor.Settings(WORKER, 1).nonRetryableExceptions()).isEmpty();
    }

    // --- leases -----------------------------------------------------------------------------------

    @Test
    void aDeferredDispatchIsDoneButTheNextDispatchOfTheSameAttemptRuns() throws Exception {
        InMemoryLeases leases = new InMemoryLeases();
        List<Integer> runs = new java.util.ArrayList<>();
        TaskExecutor executor = executor(leases, handler("flaky.upstream", ctx -> {
            runs.add(ctx.attempt());
            return runs.size() == 1 ? HandlerResult.snooze(Duration.ofSeconds(5)) : HandlerResult.completed();
        }));
        TaskDispatch dispatch = dispatch(UUID.randomUUID(), "flaky.upstream", Map.of(), 1, 4, 3);

        AttemptResult deferred = run(executor, dispatch);
        assertThat(leases.isFinished(dispatch)).as("a redelivery of the deferred dispatch is skipped").isTrue();
        TaskDispatch redispatched = dispatch(dispatch.taskId(), "flaky.upstream", Map.of(), 1, 4, 5);
        AttemptResult again = run(executor, redispatched);
        assertThat(leases.isFinished(redispatched)).as("a completed dispatch is").isTrue();
        AttemptResult redelivered = run(executor, redispatched);

        assertThat(deferred.outcome()).isEqualTo(AttemptOutcome.DEFERRED);
        assertThat(again.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(again.fencingToken()).as("a newer lease than the deferral's").isGreaterThan(deferred.fencingToken());
        assertThat(redelivered).as("a finished attempt is not run again").isNull();
        assertThat(runs).containsExactly(1, 1);
        assertThat(leases.held()).isZero();
    }

    /** Leases in memory: always granted, each with the next token; finished markers in a set. */
    static final class InMemoryLeases implements AttemptLeases {
        private final Set<String> finished = ConcurrentHashMap.newKeySet();
        private final AtomicLong tokens = new AtomicLong(40);
        private final AtomicInteger held = new AtomicInteger();
        private volatile boolean closedWhileInterrupted;

        @Override
        public Optional<AttemptLease> acquire(TaskDispatch dispatch, Instant giveUpAt) {
            long token = tokens.incrementAndGet();
            held.incrementAndGet();
            return Optional.of(new AttemptLease() {
                @Override
                public long fencingToken() {
                    return token;
                }

                @Override
                public boolean isValid() {
                    return true;
                }

                @Override
                public void close() {
                    closedWhileInterrupted |= Thread.currentThread().isInterrupted();
                    held.decrementAndGet();
                }
            });
        }

        @Override
        public boolean isFinished(TaskDispatch dispatch) {
            return finished.contains(dispatch.taskId() + ":" + dispatch.eventVersion());
        }

        @Override
        public void finished(TaskDispatch dispatch) {
            finished.add(dispatch.taskId() + ":" + dispatch.eventVersion());
        }

        long lastToken() {
            return tokens.get();
        }

        int held() {
            return held.get();
        }

        boolean closedWhileInterrupted() {
            return closedWhileInterrupted;
        }
    }

    // --- cancellation ---------------------------------------------------------------------------

    @Test
    void aTaskCancelledBeforeItsAttemptStartsIsReportedCancelledWithoutRunningTheHandler() throws Exception {
        UUID id = UUID.randomUUID();
        List<TaskContext> ran = new java.util.ArrayList<>();
        flags.cancel(id);

        AttemptResult result = run(executor(handler("email.send", ctx -> {
            ran.add(ctx);
            return HandlerResult.completed();
        })), dispatch(id, "email.send", Map.of("to", "a@example.com"), 2, 4, 11));

        assertThat(ran).as("handler runs").isEmpty();
        assertThat(reporter.events).as("no PROCESSING: nothing ran").isEmpty();
        assertThat(reporter.results).containsExactly(result);
        assertThat(result.taskId()).isEqualTo(id);
        assertThat(result.attempt()).isEqualTo(2);
        assertThat(result.outcome()).isEqualTo(AttemptOutcome.CANCELLED);
        assertThat(result.error()).isEqualTo(TaskError.permanent("cancelled",
                "task was cancelled before attempt 2 started"));
        assertThat(result.startedAt()).isEqualTo(T0);
        assertThat(result.finishedAt()).isEqualTo(T0);
        assertThat(meters.get("taskstream.worker.tasks").tags("type", "email.send", "outcome", "cancelled")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void onlyTheFlaggedTaskIsCancelled() throws Exception {
        flags.cancel(UUID.randomUUID());

        AttemptResult result = run(executor(handler("log", ctx -> HandlerResult.completed())),
                dispatch("log", Map.of()));

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(reporter.events).hasSize(1);
    }

    @Test
    void aCancelledTaskWithoutAHandlerIsStillReportedCancelled() throws Exception {
        TaskDispatch dispatch = dispatch("nobody.knows", Map.of());
        flags.cancel(dispatch.taskId());

        AttemptResult result = run(executor(), dispatch);

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.CANCELLED);
        assertThat(meters.get("taskstream.worker.tasks").tags("type", "unknown", "outcome", "cancelled")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void aHandlerSeesACancelThatArrivesWhileItRunsAtTheNextReadAndEndsTheAttemptCancelled() throws Exception {
        UUID id = UUID.randomUUID();
        List<Boolean> seen = new java.util.ArrayList<>();

        AttemptResult result = run(executor(new TaskHandler() {
            @Override
            public String type() {
                return "long";
            }

            @Override
            public HandlerResult handle(TaskContext ctx) {
                seen.add(ctx.isCancelled());                        // T0: read before the start, not set
                flags.cancel(id);                                   // the API sets the flag
                seen.add(ctx.isCancelled());                        // still within the interval: cached
                clock.advance(CHECK_INTERVAL.minusMillis(1));
                seen.add(ctx.isCancelled());                        // 1 ms before the re-read
                clock.advance(Duration.ofMillis(1));
                seen.add(ctx.isCancelled());                        // re-read: set
                return ctx.isCancelled() ? HandlerResult.cancelled("stopped at step 3 of 10")
                        : HandlerResult.completed();
            }
        }), dispatch(id, "long", Map.of(), 1, 4, 3));

        assertThat(seen).containsExactly(false, false, false, true);
        assertThat(result.outcome()).isEqualTo(AttemptOutcome.CANCELLED);
        assertThat(result.error()).isEqualTo(TaskError.permanent("cancelled", "stopped at step 3 of 10"));
        assertThat(reporter.events).singleElement().extracting(TaskEvent::status).isEqualTo(TaskStatus.PROCESSING);
        assertThat(flags.reads()).as("one read before the start, one re-read").isEqualTo(2);
    }

    @Test
    void aHandlerThatIgnoresACancelReportsWhatItDid() throws Exception {
        UUID id = UUID.randomUUID();

        AttemptResult result = run(executor(handler("stubborn", ctx -> {
            flags.cancel(id);
            clock.advance(CHECK_INTERVAL);
            return ctx.isCancelled() ? HandlerResult.completed(Map.of("sawCancel", true)) : HandlerResult.completed();
        })), dispatch(id, "stubborn", Map.of(), 1, 4, 3));

        // the scheduler decides: a COMPLETED result of a cancel-requested task stays COMPLETED
        assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(result.result().get("sawCancel").asBoolean()).isTrue();
    }

    @Test
    void aFlagThatCannotBeReadCountsAsNotCancelledAndNeverFailsTheAttempt() throws Exception {
        UUID id = UUID.randomUUID();
        flags.cancel(id).failWith(new IllegalStateException("Redis unreachable"));
        boolean[] seen = new boolean[1];

        AttemptResult result = run(executor(handler("log", ctx -> {
            clock.advance(CHECK_INTERVAL);
            seen[0] = ctx.isCancelled();
            return HandlerResult.completed();
        })), dispatch(id, "log", Map.of(), 1, 4, 3));

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(seen[0]).isFalse();
        assertThat(meters.get(CancellationCheck.FAILURES_METRIC).counter().count()).isEqualTo(2);
    }

    // --- non-retryable exceptions by configuration ---------------------------------------------

    static final class UpstreamRejected extends RuntimeException {
        UpstreamRejected(String message) {
            super(message);
        }
    }

    static final class UpstreamRejectedForGood extends Exception {
        UpstreamRejectedForGood(String message) {
            super(message);
        }
    }

    @Test
    void anExceptionOfAConfiguredTypeFailsNotRetryable() throws Exception {
        nonRetryable = List.of(UpstreamRejected.class);

        AttemptResult result = run(executor(handler("call", ctx -> {
            throw new UpstreamRejected("400 bad request");
        })), dispatch("call", Map.of()));

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.FAILED);
        assertThat(result.error()).isEqualTo(TaskError.permanent("handler_error",
                UpstreamRejected.class.getName() + ": 400 bad request"));
    }

    @Test
    void aSubclassOfAConfiguredTypeFailsNotRetryableAndOtherExceptionsStayRetryable() throws Exception {
        nonRetryable = List.of(IllegalArgumentException.class, UpstreamRejectedForGood.class);
        TaskExecutor executor = executor(
                handler("parse", ctx -> {
                    throw new NumberFormatException("not a number"); // an IllegalArgumentException
                }),
                handler("checked", ctx -> {
                    throw new UpstreamRejectedForGood("gone");
                }),
                handler("flaky", ctx -> {
                    throw new IllegalStateException("try again");
                }),
                handler("wrapped", ctx -> {
                    throw new IllegalStateException("wrapper", new IllegalArgumentException("inside"));
                }));

        assertThat(run(executor, dispatch("parse", Map.of())).error().retryable()).isFalse();
        assertThat(run(executor, dispatch("checked", Map.of())).error().retryable()).isFalse();
        assertThat(run(executor, dispatch("flaky", Map.of())).error().retryable()).isTrue();
        assertThat(run(executor, dispatch("wrapped", Map.of())).error().retryable())
                .as("only the thrown exception's own type counts").isTrue();
    }

    /** A guard that defers what {@code deferral} says, or admits and keeps what its permits hear. */
    static final class RecordingGuard implements AttemptGuard {
        final List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile Deferral deferral;

        @Override
        public Admission admit(TaskDispatch dispatch) {
            asked.add(dispatch.type());
            if (deferral != null) {
                return deferral;
            }
            return new Permit() {
                @Override
                public void ended(AttemptOutcome outcome, TaskError error) {
                    heard.add(outcome + (error == null ? "" : " " + error.code()));
                }

                @Override
                public void close() {
                    heard.add("closed");
                }
            };
        }
    }

    TaskExecutor executor(AttemptGuard guard, TaskHandler... handlers) {
        return new TaskExecutor(HandlerRegistry.of(List.of(handlers)), AttemptLeases.NONE, guard, reporter,
                new CancellationCheck(flags, clock, CHECK_INTERVAL, meters), clock, meters,
                new TaskExecutor.Settings(WORKER, MAX_RESULT_BYTES, nonRetryable));
    }

    @Test
    void theGuardIsAskedOnlyForAnAttemptThatWouldRunAndItsPermitHearsHowTheAttemptEnded() throws Exception {
        RecordingGuard guard = new RecordingGuard();
        TaskExecutor executor = executor(guard, handler("flaky", ctx -> {
            throw new IllegalStateException("try again");
        }));
        TaskDispatch cancelled = dispatch("flaky", Map.of());
        flags.cancel(cancelled.taskId());

        run(executor, cancelled);
        run(executor, dispatch("unknown.type", Map.of()));
        assertThat(guard.asked).as("a cancelled task, a type without a handler").isEmpty();

        run(executor, dispatch("flaky", Map.of()));
        assertThat(guard.asked).containsExactly("flaky");
        assertThat(guard.heard).containsExactly("FAILED handler_error", "closed");
    }

    @Test
    void aDeferralOfTheGuardIsReportedDeferredWithoutProcessingAndTheHandlerIsNotRun() throws Exception {
        RecordingGuard guard = new RecordingGuard();
        guard.deferral = new AttemptGuard.Deferral("busy", "too busy for now", Duration.ofSeconds(10));
        AtomicInteger runs = new AtomicInteger();
        TaskExecutor executor = executor(guard, handler("email.send", ctx -> {
            runs.incrementAndGet();
            return HandlerResult.completed();
        }));

        AttemptResult result = run(executor, dispatch(UUID.randomUUID(), "email.send", Map.of(), 3, 4, 8));

        assertThat(runs).hasValue(0);
        assertThat(reporter.events).isEmpty();
        assertThat(result.outcome()).isEqualTo(AttemptOutcome.DEFERRED);
        assertThat(result.attempt()).isEqualTo(3);
        assertThat(result.error()).isEqualTo(TaskError.retryable("busy", "too busy for now"));
        assertThat(result.retryAt()).isEqualTo(T0.plusSeconds(10));
        assertThatThrownBy(() -> new AttemptGuard.Deferral("busy", "", Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anAttemptAbandonedWhileItsHandlerRunsClosesItsPermitWithoutAnOutcome() throws Exception {
        RecordingGuard guard = new RecordingGuard();
        CountDownLatch started = new CountDownLatch(1);
        TaskExecutor executor = executor(guard, handler("sleepy", ctx -> {
            started.countDown();
            new CountDownLatch(1).await(); // until interrupted
            return HandlerResult.completed();
        }));
        CompletableFuture<CompletableFuture<AttemptResult>> attempt = new CompletableFuture<>();
        Thread caller = Thread.ofVirtual().start(() -> attempt.complete(executor.execute(dispatch("sleepy", Map.of()))));

        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        caller.interrupt();

        assertThatThrownBy(() -> attempt.get(30, TimeUnit.SECONDS).get()).hasCauseInstanceOf(
                AttemptAbandonedException.class);
        assertThat(guard.heard).containsExactly("closed");
    }
}
