package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.taskstream.embedded.MutableClock;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;

class SubmissionPublisherTest {

    private static final Duration ACK_TIMEOUT = Duration.ofMillis(300);
    private static final Duration OPEN_FOR = Duration.ofSeconds(7);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    private final CircuitBreaker breaker =
            CircuitBreaker.of("test", SubmissionPublisher.breakerConfig(OPEN_FOR, clock));
    private final CountingProducer producer = new CountingProducer();
    private final SubmissionPublisher publisher = new SubmissionPublisher(
            new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)), Topics.withDefaultPrefix(),
            ACK_TIMEOUT, OPEN_FOR, breaker);
    private final TraceContext trace =
            TraceContext.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").orElseThrow();

    /** A mock producer that counts hand-overs and can fail them as a producer without metadata does. */
    private static final class CountingProducer extends MockProducer<String, TaskSubmission> {
        final AtomicInteger handOvers = new AtomicInteger();
        volatile boolean unreachable;

        CountingProducer() {
            super(false, null, new StringSerializer(), JsonSerde.of(TaskSubmission.class).serializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<String, TaskSubmission> record,
                Callback callback) {
            handOvers.incrementAndGet();
            if (unreachable) {
                // KafkaProducer reports "no metadata within max.block.ms" through the callback, not by throwing
                TimeoutException timeout = new TimeoutException("Topic not present in metadata after 1500 ms");
                callback.onCompletion(null, timeout);
                return CompletableFuture.failedFuture(timeout);
            }
            return super.send(record, callback);
        }

        /** Stays open, as the real factory's shared producer does (the template closes it after a send). */
        @Override
        public void close(Duration timeout) {
        }
    }

    private static TaskSubmission submission(Priority priority) {
        return new TaskSubmission(UUID.randomUUID(), "acme", "a", Json.mapper().createObjectNode(), priority, null,
                null, null, null, null, null, null, null, null, null, Instant.parse("2026-11-28T10:00:00Z"));
    }

    private CompletableFuture<List<ApiException>> publishInBackground(List<TaskSubmission> submissions) {
        return CompletableFuture.supplyAsync(() -> publisher.publishAll(submissions, trace));
    }

    private void awaitSent(int records) {
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> producer.history().size() >= records);
    }

    @Test
    void everyRecordIsHandedOverBeforeAnyAcknowledgementIsAwaited() throws Exception {
        List<TaskSubmission> submissions = List.of(submission(Priority.LOW), submission(Priority.HIGH),
                submission(Priority.LOW));
        CompletableFuture<List<ApiException>> publishing = publishInBackground(submissions);
        awaitSent(3);
        assertThat(publishing).as("waits for the acknowledgements").isNotDone();

        while (producer.completeNext()) {
            // acknowledge all three
        }

        assertThat(publishing.get(5, TimeUnit.SECONDS)).containsExactly(null, null, null);
        List<ProducerRecord<String, TaskSubmission>> records = producer.history();
        assertThat(records).extracting(ProducerRecord::topic)
                .containsExactly("taskstream.submit.low", "taskstream.submit.high", "taskstream.submit.low");
        assertThat(records).extracting(ProducerRecord::key)
                .containsExactlyElementsOf(submissions.stream().map(s -> s.id().toString()).toList());
        assertThat(records).extracting(ProducerRecord::value).containsExactlyElementsOf(submissions);
        assertThat(new String(records.getFirst().headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                .isEqualTo(trace.traceparent());
    }

    @Test
    void aRecordKafkaRejectsFailsAloneTheOthersAreAccepted() throws Exception {
        CompletableFuture<List<ApiException>> publishing = publishInBackground(List.of(submission(Priority.LOW),
                submission(Priority.LOW), submission(Priority.LOW)));
        awaitSent(3);

        producer.completeNext();
        producer.errorNext(new NotEnoughReplicasException("isr too small"));
        producer.completeNext();

        List<ApiException> failures = publishing.get(5, TimeUnit.SECONDS);
        assertThat(failures.get(0)).isNull();
        assertUnavailable(failures.get(1));
        assertThat(failures.get(1)).hasRootCauseInstanceOf(NotEnoughReplicasException.class);
        assertThat(failures.get(2)).isNull();
    }

    @Test
    void noAcknowledgementInTimeIsADependencyProblemForEveryRecord() {
        long start = System.nanoTime();

        List<ApiException> failures = publisher.publishAll(List.of(submission(Priority.LOW),
                submission(Priority.NORMAL)), null);

        assertThat(failures).hasSize(2).allSatisfy(SubmissionPublisherTest::assertUnavailable);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("one deadline for the whole batch")
                .isLessThan(ACK_TIMEOUT.multipliedBy(2));
    }

    @Test
    void anUnreachableBrokerStopsTheHandOverAtTheFirstRecord() {
        producer.unreachable = true;

        List<ApiException> failures = publisher.publishAll(List.of(submission(Priority.LOW),
                submission(Priority.LOW), submission(Priority.LOW)), null);

        assertThat(failures).hasSize(3).allSatisfy(SubmissionPublisherTest::assertUnavailable);
        assertThat(producer.handOvers).as("the others would each wait max.block.ms again").hasValue(1);
    }

    @Test
    void aProducerThatThrowsIsADependencyProblem() {
        producer.sendException = new org.apache.kafka.common.KafkaException("producer closed");

        List<ApiException> failures = publisher.publishAll(List.of(submission(Priority.LOW)), null);

        assertThat(failures).singleElement().satisfies(SubmissionPublisherTest::assertUnavailable);
    }

    @Test
    void afterRepeatedFailuresTheBreakerFailsCallsAtOnceUntilATrialSucceeds() throws Exception {
        producer.unreachable = true;
        for (int i = 0; i < 5; i++) {
            publisher.publishAll(List.of(submission(Priority.LOW)), null);
        }
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        int handOvers = producer.handOvers.get();

        List<ApiException> whileOpen = publisher.publishAll(List.of(submission(Priority.LOW),
                submission(Priority.LOW)), null);

        assertThat(whileOpen).hasSize(2).allSatisfy(e -> {
            assertUnavailable(e);
            assertThat(e.getMessage()).contains("failed repeatedly");
        });
        assertThat(producer.handOvers).as("Kafka is not even tried").hasValue(handOvers);

        clock.advance(OPEN_FOR.plusMillis(1));
        producer.unreachable = false;
        CompletableFuture<List<ApiException>> trial = publishInBackground(List.of(submission(Priority.LOW)));
        awaitSent(1);
        producer.completeNext();

        assertThat(trial.get(5, TimeUnit.SECONDS)).containsExactly((ApiException) null);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void aCallWithSomeRecordsAcknowledgedCountsAsASuccess() throws Exception {
        for (int i = 0; i < 10; i++) {
            CompletableFuture<List<ApiException>> publishing = publishInBackground(List.of(submission(Priority.LOW),
                    submission(Priority.LOW)));
            awaitSent(2 * i + 2);
            producer.completeNext();
            producer.errorNext(new NotEnoughReplicasException("isr too small"));
            publishing.get(5, TimeUnit.SECONDS);
        }

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void nothingToPublishTouchesNothing() {
        assertThat(publisher.publishAll(List.of(), trace)).isEmpty();
        assertThat(producer.handOvers).hasValue(0);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
    }

    private static void assertUnavailable(ApiException e) {
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
        assertThat(e.retryAfter()).isEqualTo(OPEN_FOR);
    }
}
