package io.taskstream.ingest.tasks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.springframework.kafka.core.KafkaTemplate;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.schemas.Headers;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;

/**
 * Writes a submission to {@code submit.<priority>}, keyed by task id, and waits for Kafka's
 * acknowledgement ({@code acks=all}, idempotent producer — see {@link TasksConfiguration}). The wait
 * is bounded: a broker that does not answer within the submit timeout makes the request
 * {@code 503 dependency_unavailable}, never a hung thread.
 */
public class SubmissionPublisher {

    private final KafkaTemplate<String, TaskSubmission> template;
    private final Topics topics;
    private final Duration ackTimeout;
    private final Duration retryAfter;

    /**
     * @param ackTimeout how long to wait for the acknowledgement once the record is handed to the
     *                   producer (its {@code delivery.timeout.ms} plus a margin)
     */
    public SubmissionPublisher(KafkaTemplate<String, TaskSubmission> template, Topics topics, Duration ackTimeout,
            Duration retryAfter) {
        this.template = template;
        this.topics = topics;
        this.ackTimeout = ackTimeout;
        this.retryAfter = retryAfter;
    }

    /** Returns once Kafka has the submission durably; throws {@link ApiException} (503) otherwise. */
    public void publish(TaskSubmission submission, TraceContext trace) {
        ProducerRecord<String, TaskSubmission> record =
                new ProducerRecord<>(topics.submit(submission.priority()), submission.id().toString(), submission);
        if (trace != null) {
            record.headers().add(Headers.TRACEPARENT, trace.traceparent().getBytes(StandardCharsets.UTF_8));
        }
        try {
            template.send(record).get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(e);
        } catch (ExecutionException e) {
            throw unavailable(e.getCause());
        } catch (TimeoutException e) {
            throw unavailable(e);
        } catch (SerializationException e) {
            throw e;
        } catch (org.apache.kafka.common.KafkaException | org.springframework.kafka.KafkaException e) {
            throw unavailable(e);
        }
    }

    private ApiException unavailable(Throwable cause) {
        return ApiException.dependencyUnavailable("Kafka did not acknowledge the task in time; retry later "
                + "(with an Idempotency-Key, a retry cannot create the task twice)", retryAfter, cause);
    }
}
