package io.taskstream.ingest.control;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.config.KafkaAcks;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.schemas.ControlCommand;
import io.taskstream.schemas.Headers;
import io.taskstream.schemas.Topics;

/**
 * Writes {@link ControlCommand}s (cancel, re-prioritise, replay) to {@code control}, keyed by task id,
 * and waits for Kafka's acknowledgement — the same durable producer as submissions ({@code acks=all},
 * idempotent, every wait bounded by {@code submit-timeout}), because a {@code 202} promises the request
 * reached the scheduler's input. A broker that does not answer in time makes the request
 * {@code 503 dependency_unavailable}; Kafka may still have written the command, and sending it again is
 * harmless (the scheduler ignores a command that no longer applies).
 */
public class ControlPublisher {

    private static final Logger log = LoggerFactory.getLogger(ControlPublisher.class);

    private final KafkaTemplate<String, ControlCommand> template;
    private final Topics topics;
    private final Duration ackTimeout;
    private final Duration retryAfter;
    private final MeterRegistry meters;

    /**
     * @param ackTimeout how long to wait for the acknowledgements once the records are handed to the
     *                   producer (its {@code delivery.timeout.ms} plus a margin)
     */
    public ControlPublisher(KafkaTemplate<String, ControlCommand> template, Topics topics, Duration ackTimeout,
            Duration retryAfter, MeterRegistry meters) {
        this.template = template;
        this.topics = topics;
        this.ackTimeout = ackTimeout;
        this.retryAfter = retryAfter;
        this.meters = meters;
    }

    /** Returns once Kafka has the command durably; throws {@link ApiException} (503) otherwise. */
    public void publish(ControlCommand command, String traceparent) {
        KafkaAcks.sendAndAwait(() -> send(command, traceparent), ackTimeout, this::unavailable);
        counted(command);
    }

    /**
     * Sends every command, then waits for all acknowledgements within one {@code ackTimeout}. Returns
     * the task ids of the commands Kafka acknowledged, in the given order; the others are logged. Once a
     * send fails outright (no metadata in time: the broker is unreachable) the rest are not tried.
     */
    public List<UUID> publishAll(List<ControlCommand> commands) {
        List<CompletableFuture<?>> sent = new ArrayList<>(commands.size());
        for (ControlCommand command : commands) {
            try {
                sent.add(send(command, null));
            } catch (RuntimeException e) {
                log.warn("could not send {} of task {} (and {} more): {}", command.kind(), command.taskId(),
                        commands.size() - sent.size() - 1, e.getMessage());
                break;
            }
        }
        long deadline = System.nanoTime() + ackTimeout.toNanos();
        List<UUID> acknowledged = new ArrayList<>(sent.size());
        for (int i = 0; i < sent.size(); i++) {
            ControlCommand command = commands.get(i);
            try {
                sent.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                acknowledged.add(command.taskId());
                counted(command);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException | TimeoutException e) {
                log.warn("Kafka did not acknowledge {} of task {}: {}", command.kind(), command.taskId(),
                        e.getCause() != null ? e.getCause().getMessage() : e.toString());
            }
        }
        return acknowledged;
    }

    private CompletableFuture<?> send(ControlCommand command, String traceparent) {
        ProducerRecord<String, ControlCommand> record =
                new ProducerRecord<>(topics.control(), command.taskId().toString(), command);
        if (traceparent != null) {
            record.headers().add(Headers.TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
        }
        return template.send(record);
    }

    private void counted(ControlCommand command) {
        Counter.builder("taskstream.ingest.control.commands")
                .description("Control commands acknowledged by Kafka, by kind")
                .tag("kind", command.kind().name())
                .register(meters)
                .increment();
    }

    /** The problem for a command Kafka did not take; public so that callers of {@link #publishAll} can use it. */
    public ApiException unavailable(Throwable cause) {
        return ApiException.dependencyUnavailable("Kafka did not acknowledge the request in time; retry later "
                + "(repeating it is safe)", retryAfter, cause);
    }
}
