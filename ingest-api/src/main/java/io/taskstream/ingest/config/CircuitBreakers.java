package io.taskstream.ingest.config;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.CircuitBreakerMetricNames;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The API's circuit breakers (Kafka for submissions, Redis for the rate limiter), each with its metrics
 * under one set of names, told apart by the tag {@code name}: {@code circuit_breaker_state{name,state}}
 * (1 for the current state, 0 for the others; the name the worker's breakers use too) and
 * {@code taskstream_ingest_circuit_breaker_*} (calls, failure rate, …).
 */
public final class CircuitBreakers {

    private static final CircuitBreakerMetricNames METRIC_NAMES = CircuitBreakerMetricNames.custom()
            .stateMetricName("circuit_breaker.state")
            .callsMetricName("taskstream.ingest.circuit_breaker.calls")
            .notPermittedCallsMetricName("taskstream.ingest.circuit_breaker.not_permitted_calls")
            .bufferedCallsMetricName("taskstream.ingest.circuit_breaker.buffered_calls")
            .slowCallsMetricName("taskstream.ingest.circuit_breaker.slow_calls")
            .failureRateMetricName("taskstream.ingest.circuit_breaker.failure_rate")
            .slowCallRateMetricName("taskstream.ingest.circuit_breaker.slow_call_rate")
            .build();

    private CircuitBreakers() {
    }

    /** A breaker named {@code name} with {@code config}, its metrics bound to {@code meters}. */
    public static CircuitBreaker create(String name, CircuitBreakerConfig config, MeterRegistry meters) {
        CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
        CircuitBreaker breaker = registry.circuitBreaker(name, config);
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(METRIC_NAMES, registry).bindTo(meters);
        return breaker;
    }
}
