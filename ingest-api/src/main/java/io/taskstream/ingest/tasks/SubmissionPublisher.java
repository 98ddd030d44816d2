package io.taskstream.ingest.tasks;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Headers;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;

/**
 * Writes submissions to {@code submit.<priority>}, keyed by task id, and waits for Kafka's
 * acknowledgements ({@code acks=all}, idempotent producer — see {@link TasksConfiguration}).
 *
 * <p>A batch is produced as one: every record is handed to the producer first (so the producer
 * batches them per partition), then all acknowledgements are awaited together. The whole call is
 * bounded by one deadline, {@code ackTimeout} from its start: a broker that does not answer makes the
 * affected tasks {@code 503 dependency_unavailable}, never a hung request. Once a hand-over fails
 * outright (no metadata within {@code max.block.ms}: the broker is unreachable), the remaining records
 * are not tried — each would block as long again.
 *
 * <p>A circuit breaker ({@link #breakerConfig}) sits in front: after repeated calls in which Kafka
 * acknowledged nothing it opens, and while it is open every call fails at once with {@code 503} instead
 * of waiting out the timeout again; after {@code retry-after} one trial call is let through, whose
 * result closes or reopens it.
 */
public class SubmissionPublisher {

    private static final Logger log = LoggerFactory.getLogger(SubmissionPublisher.class);

    private final KafkaTemplate<String, TaskSubmission> template;
    private final Topics topics;
    private final Duration ackTimeout;
    private final Duration retryAfter;
    private final CircuitBreaker breaker;

    /**
     * @param ackTimeout how long a call may take in all: the producer's {@code max.block.ms} and
     *                   {@code delivery.timeout.ms} (the submit timeout) plus a margin
     * @param breaker    the breaker in front of Kafka ({@link #breakerConfig})
     */
    public SubmissionPublisher(KafkaTemplate<String, TaskSubmission> template, Topics topics, Duration ackTimeout,
            Duration retryAfter, CircuitBreaker breaker) {
        this.template = template;
        this.topics = topics;
        this.ackTimeout = ackTimeout;
        this.retryAfter = retryAfter;
        this.breaker = breaker;
    }

    /** The name of the breaker (the {@code name} tag of its metrics). */
    public static final String BREAKER = "kafka-submit";

    /**
     * The breaker of the submission producer: over the last 10 calls, from the 5th on, it opens when at
     * least half failed (Kafka acknowledged none of the call's records); it stays open for
     * {@code openFor}, then lets one trial call through. It reads {@code clock}.
     */
    public static CircuitBreakerConfig breakerConfig(Duration openFor, Clock clock) {
        return CircuitBreakerConfig.custom()
                .slidingWindow(10, 5, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(50)
                .waitDurationInOpenState(openFor)
                .permittedNumberOfCallsInHalfOpenState(1)
                .writableStackTraceEnabled(false)
                .clock(clock)
                .build();
    }

    /**
     * Produces every submission and waits for the acknowledgements. Returns, for each submission in
     * order, null when Kafka has it durably, else the problem to answer for it ({@code 503}).
     */
    public List<ApiException> publishAll(List<TaskSubmission> submissions, TraceContext trace) {
        if (submissions.isEmpty()) {
            return List.of();
        }
        ApiException[] failures = new ApiException[submissions.size()];
        if (!breaker.tryAcquirePermission()) {
            Arrays.fill(failures, ApiException.dependencyUnavailable("Kafka is unavailable (it failed repeatedly "
                    + "just now); retry later", retryAfter, null));
            return Arrays.asList(failures);
        }
        long start = System.nanoTime();
        long deadline = start + ackTimeout.toNanos();
        List<CompletableFuture<?>> sent = new ArrayList<>(submissions.size());
        RuntimeException handOverFailure = null;
        for (int i = 0; i < submissions.size(); i++) {
            CompletableFuture<?> future;
            try {
                future = template.send(record(submissions.get(i), trace));
            } catch (SerializationException e) {
                // a bug, not an outage: this task alone fails
                log.error("task {} could not be serialized", submissions.get(i).id(), e);
                failures[i] = new ApiException(ErrorCode.INTERNAL_ERROR, "the task could not be serialized");
                sent.add(null);
                continue;
            } catch (RuntimeException e) {
                handOverFailure = e;
                break;
            }
            sent.add(future);
            if (future.isCompletedExceptionally()) {
                // the producer gave up before taking the record (it reports a metadata timeout through the
                // future, not by throwing): the next records would wait just as long
                handOverFailure = new IllegalStateException("Kafka refused the records", future.exceptionNow());
                break;
            }
        }
        int acknowledged = 0;
        Throwable lastFailure = handOverFailure;
        for (int i = 0; i < submissions.size(); i++) {
            if (failures[i] != null) {
                continue;
            }
            if (i >= sent.size()) {
                failures[i] = unavailable(handOverFailure);
                continue;
            }
            try {
                sent.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                acknowledged++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures[i] = unavailable(e);
                lastFailure = e;
            } catch (ExecutionException e) {
                failures[i] = unavailable(e.getCause());
                lastFailure = e.getCause();
            } catch (TimeoutException e) {
                failures[i] = unavailable(e);
                lastFailure = e;
            }
        }
        long took = System.nanoTime() - start;
        if (acknowledged == 0 && lastFailure != null) {
            breaker.onError(took, TimeUnit.NANOSECONDS, lastFailure);
        } else {
            breaker.onSuccess(took, TimeUnit.NANOSECONDS);
        }
        return Arrays.asList(failures);
    }

    private ProducerRecord<String, TaskSubmission> record(TaskSubmission submission, TraceContext trace) {
        ProducerRecord<String, TaskSubmission> record =
                new ProducerRecord<>(topics.submit(submission.priority()), submission.id().toString(), submission);
        if (trace != null) {
            record.headers().add(Headers.TRACEPARENT, trace.traceparent().getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    private ApiException unavailable(Throwable cause) {
        return ApiException.dependencyUnavailable("Kafka did not acknowledge the task in time; retry later "
                + "(with an idempotency key, a retry cannot create the task twice)", retryAfter, cause);
    }
}
