package io.taskstream.worker.resilience;

import static io.taskstream.worker.support.Dispatches.T0;
import static io.taskstream.worker.support.Dispatches.dispatch;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.MutableClock;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.worker.cancellation.CancellationCheck;
import io.taskstream.worker.execution.AttemptLeases;
import io.taskstream.worker.execution.TaskExecutor;
import io.taskstream.worker.handler.HandlerRegistry;
import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.NonRetryableException;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;
import io.taskstream.worker.support.InMemoryCancellationFlags;
import io.taskstream.worker.support.RecordingReporter;

/**
 * The circuit breaker, bulkhead and rate limiter of a task type, seen through the attempts a
 * {@link TaskExecutor} runs and reports. Every handler moves the clock one second, so a breaker's
 * open state is stepped through with the clock, never slept through.
 */
@Timeout(60)
class TaskTypeResilienceTest {

    static final String P = "taskstream.worker.resilience.";
    static final Duration WAIT = Duration.ofSeconds(30);

    final MutableClock clock = new MutableClock(T0);
    final RecordingReporter reporter = new RecordingReporter();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final Map<String, AtomicInteger> runs = new HashMap<>();
    final CountDownLatch release = new CountDownLatch(1);
    final java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean(true);
    TaskTypeResilience resilience;

    @AfterEach
    void releaseBlockedHandlers() {
        release.countDown();
    }

    interface Work {
        HandlerResult run(TaskContext context) throws Exception;
    }

    TaskHandler handler(String type, Work work) {
        AtomicInteger count = runs.computeIfAbsent(type, t -> new AtomicInteger());
        return new TaskHandler() {
            @Override
            public String type() {
                return type;
            }

            @Override
            public HandlerResult handle(TaskContext context) throws Exception {
                count.incrementAndGet();
                clock.advance(Duration.ofSeconds(1));
                return work.run(context);
            }
        };
    }

    static Work failing() {
        return ctx -> {
            throw new IllegalStateException("the mail server is down");
        };
    }

    /** Fails while {@link #down}, completes otherwise. */
    Work dependency() {
        return ctx -> down.get() ? failing().run(ctx) : HandlerResult.completed();
    }

    static Work completing() {
        return ctx -> HandlerResult.completed();
    }

    /** Waits for the test to let it go (a slow call of a dependency). */
    Work blocked() {
        return ctx -> {
            release.await();
            return HandlerResult.completed();
        };
    }

    /** A breaker over the last 4 attempts that opens at 50 % failed, for 30 s, with 2 trial attempts. */
    static Map<String, String> breaker(String where) {
        return Map.of(
                P + where + ".circuit-breaker.sliding-window-size", "4",
                P + where + ".circuit-breaker.minimum-calls", "4",
                P + where + ".circuit-breaker.failure-rate-threshold", "50",
                P + where + ".circuit-breaker.wait-in-open-state", "30s",
                P + where + ".circuit-breaker.permitted-calls-in-half-open-state", "2");
    }

    @SafeVarargs
    final TaskExecutor executor(Map<String, String> settings, TaskHandler... handlers) {
        ResilienceProperties properties = new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("taskstream.worker.resilience", ResilienceProperties.class);
        resilience = new TaskTypeResilience(properties, clock, meters);
        return new TaskExecutor(HandlerRegistry.of(List.of(handlers)), AttemptLeases.NONE, resilience, reporter,
                new CancellationCheck(new InMemoryCancellationFlags(), clock, Duration.ofMillis(500), meters), clock,
                meters, new TaskExecutor.Settings("worker-1", 1_000, List.of()));
    }

    static AttemptResult run(TaskExecutor executor, String type) throws Exception {
        return run(executor, dispatch(UUID.randomUUID(), type, Map.of(), 1, 3, 7));
    }

    static AttemptResult run(TaskExecutor executor, TaskDispatch dispatch) throws Exception {
        return executor.execute(dispatch).get(30, TimeUnit.SECONDS);
    }

    /** Runs the attempt on a thread of its own, as a worker's slot does. */
    static CompletableFuture<AttemptResult> inBackground(TaskExecutor executor, TaskDispatch dispatch) {
        return CompletableFuture.supplyAsync(() -> executor.execute(dispatch), task -> Thread.ofVirtual().start(task))
                .thenCompose(result -> result);
    }

    CircuitBreaker.State state(String type) {
        return resilience.circuitBreaker(type).orElseThrow().getState();
    }

    double deferrals(String type, String reason) {
        var counter = meters.find("taskstream.worker.resilience.deferrals").tag("type", type).tag("reason", reason)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    /** Four failed attempts open the breaker of "email.send" at T0 + 4 s (each handler takes a second). */
    TaskExecutor withOpenCircuit() throws Exception {
        TaskExecutor executor = executor(breaker("default"), handler("email.send", dependency()),
                handler("log", completing()));
        for (int i = 0; i < 4; i++) {
            assertThat(run(executor, "email.send").outcome()).isEqualTo(AttemptOutcome.FAILED);
        }
        assertThat(state("email.send")).isEqualTo(CircuitBreaker.State.OPEN);
        return executor;
    }

    @Test
    void anOpenCircuitDefersTheAttemptWithoutRunningTheHandlerUntilTheEndOfItsWait() throws Exception {
        TaskExecutor executor = withOpenCircuit();
        Instant openedAt = T0.plusSeconds(4);
        reporter.events.clear();
        clock.advance(Duration.ofSeconds(10));
        TaskDispatch dispatch = dispatch(UUID.randomUUID(), "email.send", Map.of(), 2, 3, 9);

        AttemptResult result = run(executor, dispatch);

        assertThat(runs.get("email.send")).hasValue(4);
        assertThat(result.outcome()).isEqualTo(AttemptOutcome.DEFERRED);
        assertThat(result.attempt()).as("the same attempt runs again").isEqualTo(2);
        assertThat(result.error().code()).isEqualTo(TaskTypeResilience.CIRCUIT_OPEN);
        assertThat(result.error().retryable()).isTrue();
        assertThat(result.error().message()).isEqualTo("the circuit breaker of task type 'email.send' is open");
        assertThat(result.retryAt()).as("the rest of the wait, not a whole one").isEqualTo(openedAt.plus(WAIT));
        assertThat(reporter.events).as("nothing ran, nothing was PROCESSING").isEmpty();
        assertThat(deferrals("email.send", "circuit_open")).isEqualTo(1);
        assertThat(meters.get("taskstream.worker.tasks").tag("type", "email.send").tag("outcome", "deferred")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void theCircuitLetsTrialAttemptsThroughOnlyAfterItsWaitAndTheirSuccessClosesIt() throws Exception {
        TaskExecutor executor = withOpenCircuit();
        Instant openUntil = T0.plusSeconds(4).plus(WAIT);

        clock.set(openUntil);
        assertThat(run(executor, "email.send").error().code()).isEqualTo("circuit_open");
        assertThat(runs.get("email.send")).hasValue(4);

        clock.set(openUntil.plusMillis(1));
        down.set(false);
        assertThat(run(executor, "email.send").outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(state("email.send")).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(run(executor, "email.send").outcome()).isEqualTo(AttemptOutcome.COMPLETED);

        assertThat(state("email.send")).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(run(executor, "email.send").outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(runs.get("email.send")).hasValue(4 + 3);
    }

    @Test
    void aFailedTrialAttemptOpensTheCircuitForAnotherWholeWait() throws Exception {
        TaskExecutor executor = withOpenCircuit();
        clock.set(T0.plusSeconds(4).plus(WAIT).plusSeconds(1));

        assertThat(run(executor, "email.send").outcome()).isEqualTo(AttemptOutcome.FAILED);
        assertThat(run(executor, "email.send").outcome()).isEqualTo(AttemptOutcome.FAILED);
        Instant reopenedAt = clock.instant();
        AttemptResult deferred = run(executor, "email.send");

        assertThat(state("email.send")).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(deferred.error().code()).isEqualTo("circuit_open");
        assertThat(deferred.retryAt()).isEqualTo(reopenedAt.plus(WAIT));
    }

    @Test
    void whileTheTrialAttemptsRunFurtherAttemptsAreDeferredForOneWait() throws Exception {
        TaskExecutor executor = executor(Map.of(
                P + "default.circuit-breaker.sliding-window-size", "1",
                P + "default.circuit-breaker.minimum-calls", "1",
                P + "default.circuit-breaker.permitted-calls-in-half-open-state", "1"),
                handler("report.generate", ctx -> ctx.attempt() == 1 ? failing().run(ctx) : blocked().run(ctx)));
        run(executor, "report.generate");
        clock.advance(WAIT.plusSeconds(1));
        CompletableFuture<AttemptResult> trial =
                inBackground(executor, dispatch(UUID.randomUUID(), "report.generate", Map.of(), 2, 3, 7));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runs.get("report.generate").get() == 2);

        AttemptResult deferred = run(executor, dispatch(UUID.randomUUID(), "report.generate", Map.of(), 2, 3, 7));

        assertThat(state("report.generate")).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(deferred.error().code()).isEqualTo("circuit_open");
        assertThat(deferred.error().message()).endsWith("is half_open");
        assertThat(deferred.retryAt()).isEqualTo(clock.instant().plus(WAIT));
        release.countDown();
        assertThat(trial.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(state("report.generate")).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void onlyRetryableFailuresAndTimeoutsCountAgainstTheCircuit() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        TaskExecutor executor = executor(Map.of(
                P + "default.circuit-breaker.sliding-window-size", "2",
                P + "default.circuit-breaker.minimum-calls", "2",
                P + "default.circuit-breaker.failure-rate-threshold", "100"),
                handler("fail", ctx -> switch (ctx.payload().get("do").asString()) {
                    case "bad-payload" -> throw new NonRetryableException("no such invoice");
                    case "cancel" -> HandlerResult.cancelled("asked to");
                    case "snooze" -> HandlerResult.snooze(Duration.ofMinutes(1));
                    case "hang" -> {
                        never.await();
                        yield HandlerResult.completed();
                    }
                    default -> failing().run(ctx);
                }));
        for (String ignored : List.of("bad-payload", "cancel", "snooze", "bad-payload")) {
            run(executor, dispatch(UUID.randomUUID(), "fail", Map.of("do", ignored), 1, 3, 7));
        }
        assertThat(resilience.circuitBreaker("fail").orElseThrow().getMetrics().getNumberOfBufferedCalls())
                .as("the task's own faults, cancels and snoozes say nothing about what the type depends on").isZero();

        TaskDispatch hanging = dispatch(UUID.randomUUID(), "fail", Map.of("do", "hang"), 1, 3, 7);
        TaskDispatch timesOut = new TaskDispatch(hanging.taskId(), hanging.tenantId(), hanging.type(),
                hanging.payload(), hanging.priority(), 1, 3, Duration.ofMillis(50), null, hanging.labels(), null, false,
                T0, T0, hanging.deadline(), 7);
        assertThat(run(executor, timesOut).outcome()).isEqualTo(AttemptOutcome.TIMED_OUT);
        assertThat(state("fail")).isEqualTo(CircuitBreaker.State.CLOSED);
        run(executor, dispatch(UUID.randomUUID(), "fail", Map.of("do", "throw"), 1, 3, 7));

        assertThat(state("fail")).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(meters.get("taskstream.worker.circuit_breaker.calls").tag("name", "fail").tag("kind", "ignored")
                .timer().count()).isEqualTo(4);
    }

    @Test
    void slowAttemptsOpenTheCircuitOnceASlowCallDurationIsSet() throws Exception {
        TaskExecutor executor = executor(Map.of(
                P + "types[report.generate].circuit-breaker.sliding-window-size", "2",
                P + "types[report.generate].circuit-breaker.minimum-calls", "2",
                P + "types[report.generate].circuit-breaker.slow-call-duration", "500ms",
                P + "types[log].circuit-breaker.sliding-window-size", "2",
                P + "types[log].circuit-breaker.minimum-calls", "2"),
                handler("report.generate", completing()), handler("log", completing()));

        for (int i = 0; i < 2; i++) {
            assertThat(run(executor, "report.generate").outcome()).isEqualTo(AttemptOutcome.COMPLETED);
            assertThat(run(executor, "log").outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        }

        assertThat(state("report.generate")).as("each took a second").isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(state("log")).as("no slow-call duration: slowness is not looked at")
                .isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void typesAreIndependent() throws Exception {
        TaskExecutor executor = withOpenCircuit();

        AttemptResult other = run(executor, "log");

        assertThat(other.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(state("log")).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(run(executor, "email.send").error().code()).isEqualTo("circuit_open");
        assertThat(meters.get("circuit_breaker.state").tag("name", "email.send")
                .tag("state", "open").gauge().value()).isEqualTo(1);
        assertThat(meters.get("circuit_breaker.state").tag("name", "email.send")
                .tag("state", "closed").gauge().value()).as("0 for the states it is not in").isZero();
        assertThat(meters.get("circuit_breaker.state").tag("name", "email.send").gauges())
                .as("one per state").hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(g -> assertThat(g.getId().getTags()).extracting(t -> t.getKey())
                        .containsExactlyInAnyOrder("name", "state"));
        assertThat(meters.get("circuit_breaker.state").tag("name", "log")
                .tag("state", "closed").gauge().value()).isEqualTo(1);
        assertThat(meters.get("taskstream.worker.circuit_breaker.not_permitted_calls").tag("name", "email.send")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void aTypeWithNothingConfiguredRunsUnguardedAndGetsNoInstances() throws Exception {
        TaskExecutor executor = executor(breaker("types[email.send]"), handler("log", failing()));

        for (int i = 0; i < 10; i++) {
            assertThat(run(executor, "log").outcome()).isEqualTo(AttemptOutcome.FAILED);
        }

        assertThat(resilience.circuitBreaker("log")).isEmpty();
        assertThat(meters.find("circuit_breaker.state").gauges()).isEmpty();
    }

    @Test
    void aFullBulkheadDefersTheAttemptAndAFreedPlaceRunsTheNext() throws Exception {
        TaskExecutor executor = executor(Map.of(
                P + "types[sleep].bulkhead.max-concurrent-calls", "1",
                P + "types[sleep].bulkhead.retry-after", "5s"),
                handler("sleep", blocked()), handler("log", blocked()));
        CompletableFuture<AttemptResult> first = inBackground(executor, dispatch("sleep", Map.of()));
        CompletableFuture<AttemptResult> otherType = inBackground(executor, dispatch("log", Map.of()));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runs.get("sleep").get() == 1
                && runs.get("log").get() == 1);

        AttemptResult deferred = run(executor, "sleep");

        assertThat(deferred.outcome()).isEqualTo(AttemptOutcome.DEFERRED);
        assertThat(deferred.error().code()).isEqualTo(TaskTypeResilience.BULKHEAD_FULL);
        assertThat(deferred.error().message()).isEqualTo("task type 'sleep' already runs 1 attempts on this worker");
        assertThat(deferred.retryAt()).isEqualTo(clock.instant().plusSeconds(5));
        assertThat(runs.get("sleep")).hasValue(1);
        assertThat(reporter.events.stream().filter(e -> e.status() == TaskStatus.PROCESSING)).hasSize(2);

        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(otherType.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(run(executor, "sleep").outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(meters.get("taskstream.worker.bulkhead.available_concurrent_calls").tag("type", "sleep")
                .gauge().value()).isEqualTo(1);
    }

    @Test
    void aFullBulkheadIsWaitedForUpToMaxWaitThenTheAttemptIsDeferred() throws Exception {
        TaskExecutor executor = executor(Map.of(
                P + "default.bulkhead.max-concurrent-calls", "1",
                P + "default.bulkhead.max-wait", "200ms"),
                handler("sleep", blocked()));
        CompletableFuture<AttemptResult> first = inBackground(executor, dispatch("sleep", Map.of()));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runs.get("sleep").get() == 1);

        long before = System.nanoTime();
        AttemptResult deferred = run(executor, "sleep");

        assertThat(Duration.ofNanos(System.nanoTime() - before)).isGreaterThanOrEqualTo(Duration.ofMillis(190));
        assertThat(deferred.error().code()).isEqualTo("bulkhead_full");
        assertThat(deferred.retryAt()).as("default retry-after").isEqualTo(clock.instant().plusSeconds(1));
        release.countDown();
        first.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aRateLimitedAttemptIsDeferredUntilTheNextPeriodBegins() throws Exception {
        TaskExecutor executor = executor(Map.of(
                P + "types[http.request].rate-limiter.limit-for-period", "2",
                P + "types[http.request].rate-limiter.period", "1m"),
                handler("http.request", completing()));

        assertThat(run(executor, "http.request").outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(run(executor, "http.request").outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        AttemptResult limited = run(executor, "http.request");

        assertThat(runs.get("http.request")).hasValue(2);
        assertThat(limited.outcome()).isEqualTo(AttemptOutcome.DEFERRED);
        assertThat(limited.error().code()).isEqualTo(TaskTypeResilience.RATE_LIMITED);
        assertThat(limited.error().message())
                .isEqualTo("task type 'http.request' started 2 attempts in this period of PT1M on this worker");
        // the period began when the limiter was made, moments ago (real time): its end is just under 1 m away
        assertThat(Duration.between(clock.instant(), limited.retryAt()))
                .isGreaterThan(Duration.ofSeconds(50)).isLessThanOrEqualTo(Duration.ofMinutes(1));
        assertThat(deferrals("http.request", "rate_limited")).isEqualTo(1);
    }

    @Test
    void anAttemptTurnedAwayByALaterPartGivesBackWhatTheEarlierPartsGaveIt() throws Exception {
        TaskExecutor executor = executor(Map.of(
                P + "default.circuit-breaker.sliding-window-size", "1",
                P + "default.circuit-breaker.minimum-calls", "1",
                P + "default.circuit-breaker.permitted-calls-in-half-open-state", "1",
                P + "default.bulkhead.max-concurrent-calls", "1",
                P + "default.rate-limiter.limit-for-period", "1",
                P + "default.rate-limiter.period", "1h"),
                handler("email.send", dependency()));
        run(executor, "email.send"); // fails: opens the circuit, and takes the hour's only permit
        clock.advance(WAIT.plusSeconds(1));

        AttemptResult trial = run(executor, "email.send"); // the one trial place, the bulkhead's place, no permit
        AttemptResult next = run(executor, "email.send");

        assertThat(trial.error().code()).isEqualTo("rate_limited");
        assertThat(next.error().code()).as("the trial place was given back").isEqualTo("rate_limited");
        assertThat(state("email.send")).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(meters.get("taskstream.worker.bulkhead.available_concurrent_calls").tag("type", "email.send")
                .gauge().value()).as("the bulkhead's place was given back").isEqualTo(1);
        assertThat(runs.get("email.send")).hasValue(1);
    }
}
