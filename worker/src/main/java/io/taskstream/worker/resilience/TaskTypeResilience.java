package io.taskstream.worker.resilience;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.github.resilience4j.micrometer.tagged.BulkheadMetricNames;
import io.github.resilience4j.micrometer.tagged.CircuitBreakerMetricNames;
import io.github.resilience4j.micrometer.tagged.RateLimiterMetricNames;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRateLimiterMetrics;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskError;
import io.taskstream.worker.execution.AttemptGuard;
import io.taskstream.worker.resilience.ResilienceProperties.BulkheadOptions;
import io.taskstream.worker.resilience.ResilienceProperties.CircuitBreakerOptions;
import io.taskstream.worker.resilience.ResilienceProperties.RateLimiterOptions;
import io.taskstream.worker.resilience.ResilienceProperties.TypeOptions;

/**
 * A circuit breaker, a bulkhead and a rate limiter per task type (Resilience4j), each one only
 * where {@link ResilienceProperties} turns it on. The {@link AttemptGuard} of the worker's
 * {@code TaskExecutor}: it decides about an attempt once the attempt holds its task's lease and the
 * task is not cancelled, before {@code PROCESSING} is reported.
 *
 * <h2>How an attempt passes</h2>
 * In this order, each step giving back what the steps before it took when it says no:
 * <ol>
 *   <li><b>Circuit breaker</b>, asked for a permission. Open (or half-open with all its trial
 *       attempts running): {@code DEFERRED}, code {@code circuit_open}, {@code retryAt} = the end of
 *       the open state (while half-open: now + {@code wait-in-open-state}).</li>
 *   <li><b>Bulkhead</b> (a semaphore), waiting up to {@code max-wait} for a place. Full:
 *       {@code DEFERRED}, {@code bulkhead_full}, {@code retryAt} = now + {@code retry-after}.</li>
 *   <li><b>Rate limiter</b>, never waiting. No permit: {@code DEFERRED}, {@code rate_limited},
 *       {@code retryAt} = the start of the next period (Resilience4j's estimate of the wait for one
 *       permit). It comes last because a permit, once taken, cannot be given back: only an attempt
 *       that will run uses one.</li>
 * </ol>
 * A deferred attempt is not counted against the task's {@code maxAttempts}, and no {@code PROCESSING}
 * is reported for it; each deferral is counted in {@code taskstream.worker.resilience.deferrals}.
 *
 * <h2>What the circuit breaker counts</h2>
 * When the attempt ends, the breaker hears, with the time it ran: {@code COMPLETED} is a success;
 * {@code TIMED_OUT} and a retryable {@code FAILED} are failures; a <em>non-retryable</em>
 * {@code FAILED} (a bad payload, {@code NonRetryableException}, a result too large) is the task's own
 * fault, not a sign that what the type depends on is down, so it is ignored — as are
 * {@code CANCELLED} and {@code DEFERRED} (a snooze, an interrupted attempt). An ignored attempt
 * neither opens nor closes the breaker; while half-open it frees its trial place. An attempt
 * abandoned without an outcome is not counted either. With {@code slow-call-duration} set, a counted
 * attempt that ran longer is also slow.
 *
 * <h2>Naming, instances, time</h2>
 * Each Resilience4j instance is named after the task type and tagged {@code type}, created on the
 * type's first attempt, and kept in its registry ({@link CircuitBreakerRegistry} and the others).
 * The circuit breaker reads the injected {@link Clock}, so tests step through its open state; the
 * rate limiter and the bulkhead's {@code max-wait} run on real time, as Resilience4j has them.
 * Nothing moves a breaker from open to half-open but the next attempt after the wait: the state
 * metric shows {@code open} until then. All of it is per worker: ten workers with a rate limit of 5
 * per second start up to 50 attempts of the type per second.
 *
 * <h2>Metrics and logs</h2>
 * Resilience4j's tagged binders export under the worker's names, tagged {@code name} (the task type):
 * {@code circuit_breaker_state{name,state}} (1 for the current {@code state}, 0 for the others: the
 * name every service uses, see docs/operations.md), {@code taskstream.worker.circuit_breaker.calls},
 * {@code .not_permitted_calls}, {@code .buffered_calls}, {@code .slow_calls}, {@code .failure_rate},
 * {@code .slow_call_rate}; tagged {@code name} and {@code type} (both the task type):
 * {@code taskstream.worker.bulkhead.available_concurrent_calls} and {@code .max_allowed_concurrent_calls};
 * {@code taskstream.worker.rate_limiter.available_permissions} and {@code .waiting_threads}. Every state
 * change of a breaker is logged: to open at WARN, the others at INFO.
 */
public final class TaskTypeResilience implements AttemptGuard {

    public static final String CIRCUIT_OPEN = "circuit_open";
    public static final String BULKHEAD_FULL = "bulkhead_full";
    public static final String RATE_LIMITED = "rate_limited";
    /** {@code circuit_breaker_state{name,state}}: 1 for each breaker's current state, 0 for the others. */
    public static final String CIRCUIT_BREAKER_STATE = "circuit_breaker.state";

    /** How long a breaker waits when no slow-call duration is configured: slow attempts never count. */
    private static final Duration NEVER_SLOW = Duration.ofDays(365);

    private static final Logger log = LoggerFactory.getLogger(TaskTypeResilience.class);

    private final ResilienceProperties properties;
    private final Clock clock;
    private final MeterRegistry meters;
    private final CircuitBreakerRegistry circuitBreakers = CircuitBreakerRegistry.ofDefaults();
    private final BulkheadRegistry bulkheads = BulkheadRegistry.ofDefaults();
    private final RateLimiterRegistry rateLimiters = RateLimiterRegistry.ofDefaults();
    /** One entry per task type seen, made on its first attempt (computeIfAbsent: once per type). */
    private final ConcurrentMap<String, TypeGuards> byType = new ConcurrentHashMap<>();

    public TaskTypeResilience(ResilienceProperties properties, Clock clock, MeterRegistry meters) {
        this.properties = Objects.requireNonNull(properties, "properties");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.meters = Objects.requireNonNull(meters, "meters");
        // the binders add the meters of each instance as its registry creates it
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(CircuitBreakerMetricNames.custom()
                .stateMetricName(CIRCUIT_BREAKER_STATE)
                .callsMetricName("taskstream.worker.circuit_breaker.calls")
                .notPermittedCallsMetricName("taskstream.worker.circuit_breaker.not_permitted_calls")
                .bufferedCallsMetricName("taskstream.worker.circuit_breaker.buffered_calls")
                .slowCallsMetricName("taskstream.worker.circuit_breaker.slow_calls")
                .failureRateMetricName("taskstream.worker.circuit_breaker.failure_rate")
                .slowCallRateMetricName("taskstream.worker.circuit_breaker.slow_call_rate")
                .build(), circuitBreakers).bindTo(meters);
        TaggedBulkheadMetrics.ofBulkheadRegistry(BulkheadMetricNames.custom()
                .availableConcurrentCallsMetricName("taskstream.worker.bulkhead.available_concurrent_calls")
                .maxAllowedConcurrentCallsMetricName("taskstream.worker.bulkhead.max_allowed_concurrent_calls")
                .build(), bulkheads).bindTo(meters);
        TaggedRateLimiterMetrics.ofRateLimiterRegistry(RateLimiterMetricNames.custom()
                .availablePermissionsMetricName("taskstream.worker.rate_limiter.available_permissions")
                .waitingThreadsMetricName("taskstream.worker.rate_limiter.waiting_threads")
                .build(), rateLimiters).bindTo(meters);
    }

    @Override
    public Admission admit(TaskDispatch dispatch) {
        return byType.computeIfAbsent(dispatch.type(), this::guardsFor).admit();
    }

    /** The circuit breaker of a task type, once the type has had an attempt and has a breaker. */
    public Optional<CircuitBreaker> circuitBreaker(String type) {
        TypeGuards guards = byType.get(type);
        return guards == null ? Optional.empty() : Optional.ofNullable(guards.breaker);
    }

    private TypeGuards guardsFor(String type) {
        TypeOptions policy = properties.policyFor(type);
        if (policy.isEmpty()) {
            return new TypeGuards(type, null, null, null, null, null);
        }
        Map<String, String> tags = Map.of("type", type);
        CircuitBreakerOptions cb = policy.circuitBreaker();
        CircuitBreaker breaker = cb == null ? null : circuitBreakers.circuitBreaker(type, CircuitBreakerConfig.custom()
                .slidingWindow(cb.slidingWindowSize(), cb.minimumCalls(),
                        CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(cb.failureRateThreshold())
                .waitDurationInOpenState(cb.waitInOpenState())
                .permittedNumberOfCallsInHalfOpenState(cb.permittedCallsInHalfOpenState())
                .slowCallDurationThreshold(Objects.requireNonNullElse(cb.slowCallDuration(), NEVER_SLOW))
                .slowCallRateThreshold(cb.slowCallRateThreshold())
                .ignoreExceptions(IgnoredOutcome.class)
                .writableStackTraceEnabled(false)
                .clock(clock)
                .build()); // no type tag: circuit_breaker_state has the same tags (name, state) in every service
        BulkheadOptions bh = policy.bulkhead();
        Bulkhead bulkhead = bh == null ? null : bulkheads.bulkhead(type, BulkheadConfig.custom()
                .maxConcurrentCalls(bh.maxConcurrentCalls())
                .maxWaitDuration(bh.maxWait())
                .writableStackTraceEnabled(false)
                .build(), tags);
        RateLimiterOptions rl = policy.rateLimiter();
        RateLimiter limiter = rl == null ? null : rateLimiters.rateLimiter(type, RateLimiterConfig.custom()
                .limitForPeriod(rl.limitForPeriod())
                .limitRefreshPeriod(rl.period())
                .timeoutDuration(Duration.ZERO) // never wait: defer instead
                .writableStackTraceEnabled(false)
                .build(), tags);
        log.info("Task type '{}' runs with{}{}{}", type,
                cb == null ? "" : " a circuit breaker (opens at " + cb.failureRateThreshold() + " % failed"
                        + (cb.slowCallDuration() == null ? "" : " or " + cb.slowCallRateThreshold() + " % slower than "
                        + human(cb.slowCallDuration())) + " of the last " + cb.slidingWindowSize() + " attempts, from "
                        + cb.minimumCalls() + " on; open for " + human(cb.waitInOpenState()) + ", then "
                        + cb.permittedCallsInHalfOpenState() + " on trial)",
                bh == null ? "" : " a bulkhead (" + bh.maxConcurrentCalls() + " at once, waits "
                        + human(bh.maxWait()) + ", full: again after " + human(bh.retryAfter()) + ")",
                rl == null ? "" : " a rate limiter (" + rl.limitForPeriod() + " per " + human(rl.period()) + ")");
        TypeGuards guards = new TypeGuards(type, breaker, cb == null ? null : cb.waitInOpenState(), bulkhead,
                bh == null ? null : bh.retryAfter(), limiter);
        if (breaker != null) {
            breaker.getEventPublisher().onStateTransition(guards::stateChanged);
        }
        return guards;
    }

    /** {@code 30s}, {@code 1h}, {@code 0.2s}: a duration as it is written in the properties. */
    private static String human(Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    /** What guards one task type; a part is null when off. */
    private final class TypeGuards {

        private final String type;
        private final CircuitBreaker breaker;
        private final Duration waitInOpenState;
        private final Bulkhead bulkhead;
        private final Duration bulkheadRetryAfter;
        private final RateLimiter limiter;
        /** When the breaker's current open state ends; set on each transition to open. */
        private volatile Instant openUntil;

        TypeGuards(String type, CircuitBreaker breaker, Duration waitInOpenState, Bulkhead bulkhead,
                   Duration bulkheadRetryAfter, RateLimiter limiter) {
            this.type = type;
            this.breaker = breaker;
            this.waitInOpenState = waitInOpenState;
            this.bulkhead = bulkhead;
            this.bulkheadRetryAfter = bulkheadRetryAfter;
            this.limiter = limiter;
        }

        Admission admit() {
            if (breaker == null && bulkhead == null && limiter == null) {
                return Permit.NOTHING;
            }
            if (breaker != null && !breaker.tryAcquirePermission()) {
                CircuitBreaker.State state = breaker.getState();
                return deferral(CIRCUIT_OPEN, "the circuit breaker of task type '" + type + "' is "
                        + state.name().toLowerCase(Locale.ROOT), untilPermitted(state));
            }
            // an interrupt while waiting (a stopping worker) ends the wait as "full": the attempt is deferred
            if (bulkhead != null && !bulkhead.tryAcquirePermission()) {
                releaseBreaker();
                return deferral(BULKHEAD_FULL, "task type '" + type + "' already runs "
                        + bulkhead.getBulkheadConfig().getMaxConcurrentCalls() + " attempts on this worker",
                        bulkheadRetryAfter);
            }
            if (limiter != null && !limiter.acquirePermission()) {
                if (bulkhead != null) {
                    bulkhead.releasePermission();
                }
                releaseBreaker();
                return deferral(RATE_LIMITED, "task type '" + type + "' started "
                        + limiter.getRateLimiterConfig().getLimitForPeriod() + " attempts in this period of "
                        + limiter.getRateLimiterConfig().getLimitRefreshPeriod() + " on this worker", untilNextPermit());
            }
            return new TypePermit(this, clock.instant());
        }

        /** How long the breaker refuses attempts yet: to the end of its open state, or one wait. */
        private Duration untilPermitted(CircuitBreaker.State state) {
            Instant until = openUntil;
            if (state == CircuitBreaker.State.OPEN && until != null) {
                Duration left = Duration.between(clock.instant(), until);
                return left.isNegative() ? Duration.ZERO : left;
            }
            return waitInOpenState; // half-open, its trial attempts running: they decide within about a wait
        }

        private Duration untilNextPermit() {
            if (limiter instanceof AtomicRateLimiter atomic) {
                return Duration.ofNanos(Math.max(0, atomic.getDetailedMetrics().getNanosToWait()));
            }
            return limiter.getRateLimiterConfig().getLimitRefreshPeriod();
        }

        private void releaseBreaker() {
            if (breaker != null) {
                breaker.releasePermission();
            }
        }

        private Deferral deferral(String code, String message, Duration retryAfter) {
            Counter.builder("taskstream.worker.resilience.deferrals")
                    .description("Attempts deferred by their task type's circuit breaker, bulkhead or rate limiter")
                    .tag("type", type).tag("reason", code)
                    .register(meters).increment();
            return new Deferral(code, message, retryAfter);
        }

        void stateChanged(CircuitBreakerOnStateTransitionEvent event) {
            CircuitBreaker.State to = event.getStateTransition().getToState();
            CircuitBreaker.State from = event.getStateTransition().getFromState();
            if (to == CircuitBreaker.State.OPEN) {
                Instant until = clock.instant().plus(waitInOpenState);
                openUntil = until;
                log.warn("Circuit breaker of task type '{}': {} -> {}; its attempts are deferred ({}) until {}",
                        type, from, to, CIRCUIT_OPEN, until);
            } else if (to == CircuitBreaker.State.HALF_OPEN) {
                log.info("Circuit breaker of task type '{}': {} -> {}; {} attempts run on trial", type, from, to,
                        breaker.getCircuitBreakerConfig().getPermittedNumberOfCallsInHalfOpenState());
            } else {
                log.info("Circuit breaker of task type '{}': {} -> {}", type, from, to);
            }
        }
    }

    /** One admitted attempt; used by the attempt's calling thread only. */
    private final class TypePermit implements Permit {

        private final TypeGuards guards;
        private final Instant admittedAt;
        private boolean recorded;
        private boolean closed;

        TypePermit(TypeGuards guards, Instant admittedAt) {
            this.guards = guards;
            this.admittedAt = admittedAt;
        }

        @Override
        public void ended(AttemptOutcome outcome, TaskError error) {
            CircuitBreaker breaker = guards.breaker;
            if (breaker == null || recorded || closed) {
                return;
            }
            recorded = true;
            long nanos = Math.max(0, Duration.between(admittedAt, clock.instant()).toNanos());
            String code = error == null ? "" : error.code();
            switch (outcome) {
                case COMPLETED -> breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
                case TIMED_OUT -> breaker.onError(nanos, TimeUnit.NANOSECONDS, new CountedFailure(outcome, code));
                case FAILED -> breaker.onError(nanos, TimeUnit.NANOSECONDS, error != null && error.retryable()
                        ? new CountedFailure(outcome, code) : new IgnoredOutcome(outcome, code));
                case CANCELLED, DEFERRED ->
                        breaker.onError(nanos, TimeUnit.NANOSECONDS, new IgnoredOutcome(outcome, code));
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (!recorded) {
                guards.releaseBreaker();
            }
            if (guards.bulkhead != null) {
                guards.bulkhead.onComplete();
            }
        }
    }

    /** What the breaker hears for an attempt that counts as failed. No stack trace: nothing was thrown. */
    static final class CountedFailure extends RuntimeException {
        CountedFailure(AttemptOutcome outcome, String code) {
            super(outcome + " " + code, null, false, false);
        }
    }

    /** What the breaker hears for an attempt it ignores (configured with {@code ignoreExceptions}). */
    static final class IgnoredOutcome extends RuntimeException {
        IgnoredOutcome(AttemptOutcome outcome, String code) {
            super(outcome + " " + code, null, false, false);
        }
    }
}
