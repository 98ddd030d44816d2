package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;

import com.github.benmanes.caffeine.cache.Ticker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.ingest.tasks.TaskRepository.PendingRow;
import io.taskstream.ingest.tasks.TaskSubmitter.Outcome;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;
import io.taskstream.schemas.crypto.PayloadCipher;
import io.taskstream.schemas.crypto.KeyProvider;
import tools.jackson.databind.JsonNode;

/**
 * The submission path without idempotency keys, on a mock producer; keys (Redis, the Postgres backstop
 * and fallback) are covered against real infrastructure by {@code IdempotencyIT}, {@code TaskBatchIT}
 * and {@code RedisDownIT}.
 */
class TaskSubmitterTest {

    private static final Instant NOW = Instant.parse("2026-11-28T10:00:00.123456789Z");

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final TaskRepository repository = mock(TaskRepository.class);
    private final MockProducer<String, TaskSubmission> producer = sharedProducer(true);
    private final List<Priority> refused = new ArrayList<>();
    private final Admission admission = (tenantId, priority) -> {
        if (refused.contains(priority)) {
            throw new ApiException(ErrorCode.QUEUE_FULL, "the " + priority + " queue is full", List.of(),
                    Duration.ofSeconds(9), null);
        }
    };
    private final PendingViews pendingViews = new PendingViews(1 << 20, Duration.ofHours(1), Ticker.disabledTicker());

    /**
     * A mock producer that stays open, as the real factory's shared producer does: the template closes
     * the producer it got once a send completes, which would close a mock for good.
     */
    private static MockProducer<String, TaskSubmission> sharedProducer(boolean autoComplete) {
        return new MockProducer<>(autoComplete, null, new StringSerializer(),
                JsonSerde.of(TaskSubmission.class).serializer()) {
            @Override
            public void close(Duration timeout) {
            }
        };
    }

    private TaskSubmitter submitter(MockProducer<String, TaskSubmission> kafka) {
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        SubmissionPublisher publisher = new SubmissionPublisher(new KafkaTemplate<>(new MockProducerFactory<>(
                () -> kafka)), Topics.withDefaultPrefix(), Duration.ofMillis(500), Duration.ofSeconds(5),
                CircuitBreaker.of("test", SubmissionPublisher.breakerConfig(Duration.ofSeconds(5), clock)));
        return new TaskSubmitter(new SubmissionReader(SchemaValidator.load(), 1024), publisher, repository, rowWriter,
                null, null, admission, pendingViews, clock, new Random(42), Duration.ofSeconds(1),
                Duration.ofSeconds(5), Duration.ofSeconds(5), meters,
                new TaskEncryption(new PayloadCipher(KeyProvider.NONE, new SecureRandom())));
    }

    private final PendingRowWriter rowWriter = new PendingRowWriter(repository, 1000, meters);

    @AfterEach
    void stopWriter() throws InterruptedException {
        rowWriter.close();
    }

    private final TaskSubmitter submitter = submitter(producer);

    private static byte[] body(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode node(String json) {
        return Json.mapper().readTree(json);
    }

    /** Postgres as it answers when every row was written. */
    private void rowsAreWritten() {
        when(repository.insertPending(any())).thenAnswer(invocation -> {
            List<PendingRow> rows = invocation.getArgument(0);
            Set<UUID> ids = new HashSet<>();
            rows.forEach(row -> ids.add(row.submission().id()));
            return ids;
        });
    }

    @Test
    void anAcceptedTaskIsProducedThenRecordedAsPending() {
        rowsAreWritten();
        TraceContext trace = TraceContext.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").orElseThrow();

        TaskSubmitter.Submitted result = submitter.submit("acme", body("{\"type\": \"a\", \"payload\": {}}"), null,
                trace);

        assertThat(result.created()).isTrue();
        TaskView view = result.task();
        assertThat(view.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(view.tenantId()).isEqualTo("acme");
        assertThat(view.createdAt()).isEqualTo(Instant.parse("2026-11-28T10:00:00.123456Z"));
        assertThat(view.runAt()).isEqualTo(view.createdAt());
        assertThat(view.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(view.id().version()).isEqualTo(7);
        assertThat(producer.history()).singleElement().satisfies(r -> assertThat(r.value().id()).isEqualTo(view.id()));
        @SuppressWarnings("unchecked")
        ArgumentCaptor<List<PendingRow>> rows = ArgumentCaptor.forClass(List.class);
        verify(repository).insertPending(rows.capture());
        assertThat(rows.getValue()).singleElement().satisfies(row -> {
            assertThat(row.submission()).isEqualTo(producer.history().getFirst().value());
            assertThat(row.traceId()).isEqualTo(trace.traceId());
            assertThat(row.requestHash()).as("only a request with an idempotency key is hashed").isNull();
        });
    }

    @Test
    void aTaskStaysAcceptedAndReadableWhenItsPendingRowCannotBeWritten() {
        when(repository.insertPending(any())).thenThrow(new DataAccessResourceFailureException("postgres down"));

        TaskSubmitter.Submitted result = submitter.submit("acme", body("{\"type\": \"a\", \"payload\": {\"n\": 1}}"),
                null, null);

        assertThat(result.created()).isTrue();
        assertThat(producer.history()).hasSize(1);
        assertThat(meters.get("taskstream.ingest.ryw.insert.failures").counter().count()).isEqualTo(1.0);
        assertThat(pendingViews.find("acme", result.task().id(), true)).hasValueSatisfying(view -> {
            assertThat(view.status()).isEqualTo(TaskStatus.PENDING);
            assertThat(view.payload().get("n").asInt()).isEqualTo(1);
        });
    }

    /** A task a schedule's trigger builds: complete, with its schedule id, which no request may set. */
    private TaskSubmission built(Priority priority) {
        return new TaskSubmission(submitter.newTaskId(), "acme", "report.generate", node("{\"ms\": 5}"), priority,
                null, null, 2, Duration.ofMinutes(1), null, null, null, java.util.Map.of("team", "billing"), false,
                UUID.fromString("0193a2f0-5b1c-7e2d-8f3a-4b5c6d7e8f90"), submitter.now());
    }

    @Test
    void aTaskTheServerBuiltIsProducedAndRecordedLikeASubmittedOne() {
        rowsAreWritten();
        TaskSubmission submission = built(Priority.LOW);

        TaskView view = submitter.submit(submission, null);

        assertThat(view.id()).isEqualTo(submission.id());
        assertThat(view.id().version()).isEqualTo(7);
        assertThat(view.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(view.scheduleId()).isEqualTo(submission.scheduleId());
        assertThat(view.createdAt()).isEqualTo(Instant.parse("2026-11-28T10:00:00.123456Z"));
        assertThat(producer.history()).singleElement().satisfies(r -> {
            assertThat(r.topic()).isEqualTo("taskstream.submit.low");
            assertThat(r.value()).isEqualTo(submission);
        });
        @SuppressWarnings("unchecked")
        ArgumentCaptor<List<PendingRow>> rows = ArgumentCaptor.forClass(List.class);
        verify(repository).insertPending(rows.capture());
        assertThat(rows.getValue()).singleElement()
                .satisfies(row -> assertThat(row.submission().scheduleId()).isEqualTo(submission.scheduleId()));
    }

    @Test
    void aTaskTheServerBuiltPassesAdmissionFirst() {
        refused.add(Priority.LOW);

        assertThatThrownBy(() -> submitter.submit(built(Priority.LOW), null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.QUEUE_FULL));
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void aTaskTheServerBuiltMustBeComplete() {
        assertThatThrownBy(() -> submitter.submit(built(Priority.LOW).withId(null), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> submitter.submit(built(Priority.LOW).withCreatedAt(null), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anInvalidRequestProducesNothing() {
        assertThatThrownBy(() -> submitter.submit("acme", body("{\"type\": \"A\"}"), null, null))
                .isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED));
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void kafkaTroubleIsADependencyProblemAndLeavesNoRow() {
        producer.sendException = new org.apache.kafka.common.KafkaException("closed");

        assertThatThrownBy(() -> submitter.submit("acme", body("{\"type\": \"a\", \"payload\": {}}"), null, null))
                .isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        verify(repository, never()).insertPending(any());
    }

    @Test
    void admissionIsAskedForEveryNewTaskAndItsRefusalIsTheTasksAnswer() {
        rowsAreWritten();
        refused.add(Priority.LOW);

        assertThatThrownBy(() -> submitter.submit("acme", body("{\"type\": \"a\", \"payload\": {}, "
                + "\"priority\": \"LOW\"}"), null, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.QUEUE_FULL);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(9));
                });
        List<Outcome> batch = submitter.submitAll("acme", List.of(
                node("{\"type\": \"a\", \"payload\": {}, \"priority\": \"LOW\"}"),
                node("{\"type\": \"a\", \"payload\": {}, \"priority\": \"HIGH\"}")), null);

        assertThat(batch).extracting(Outcome::status).containsExactly(503, 202);
        assertThat(producer.history()).singleElement()
                .satisfies(r -> assertThat(r.value().priority()).isEqualTo(Priority.HIGH));
    }

    @Test
    void aBatchAnswersEveryTaskInOrderAndBadOnesFailAlone() {
        rowsAreWritten();

        List<Outcome> outcomes = submitter.submitAll("acme", List.of(
                node("{\"type\": \"a\", \"payload\": {\"n\": 0}}"),
                node("{\"type\": \"Not Valid\", \"payload\": {}}"),
                node("[1, 2]"),
                node("{\"type\": \"a\", \"payload\": {\"blob\": \"" + "x".repeat(2000) + "\"}}"),
                node("{\"type\": \"a\", \"payload\": {\"n\": 4}, \"priority\": \"CRITICAL\"}")), null);

        assertThat(outcomes).extracting(Outcome::status).containsExactly(202, 400, 400, 413, 202);
        assertThat(((Outcome.Rejected) outcomes.get(1)).error().errors()).extracting(v -> v.field())
                .containsExactly("type");
        assertThat(producer.history()).extracting(r -> r.value().payload().get("n").asInt()).containsExactly(0, 4);
        assertThat(producer.history()).extracting(r -> r.topic())
                .containsExactly("taskstream.submit.normal", "taskstream.submit.critical");
        @SuppressWarnings("unchecked")
        ArgumentCaptor<List<PendingRow>> rows = ArgumentCaptor.forClass(List.class);
        verify(repository).insertPending(rows.capture());
        assertThat(rows.getValue()).as("one statement for the batch").hasSize(2);
        TaskView first = ((Outcome.Created) outcomes.get(0)).task();
        TaskView last = ((Outcome.Created) outcomes.get(4)).task();
        assertThat(first.id()).isNotEqualTo(last.id());
        assertThat(first.createdAt()).isEqualTo(last.createdAt());
    }

    @Test
    void aTaskKafkaDidNotTakeIsUnavailableWhileTheRestOfItsBatchIsAccepted() throws Exception {
        rowsAreWritten();
        MockProducer<String, TaskSubmission> manual = sharedProducer(false);
        TaskSubmitter withManualKafka = submitter(manual);

        CompletableFuture<List<Outcome>> submitting = CompletableFuture.supplyAsync(() -> withManualKafka.submitAll(
                "acme", List.of(node("{\"type\": \"a\", \"payload\": {}}"), node("{\"type\": \"b\", \"payload\": {}}"),
                        node("{\"type\": \"c\", \"payload\": {}}")), null));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> manual.history().size() == 3);
        manual.completeNext();
        manual.errorNext(new NotEnoughReplicasException("isr too small"));
        manual.completeNext();

        List<Outcome> outcomes = submitting.get(5, TimeUnit.SECONDS);
        assertThat(outcomes).extracting(Outcome::status).containsExactly(202, 503, 202);
        assertThat(((Outcome.Rejected) outcomes.get(1)).error().code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
        @SuppressWarnings("unchecked")
        ArgumentCaptor<List<PendingRow>> rows = ArgumentCaptor.forClass(List.class);
        verify(repository).insertPending(rows.capture());
        assertThat(rows.getValue()).extracting(row -> row.submission().type()).containsExactly("a", "c");
    }

    @Test
    void requestHashIgnoresWhatTheServerAdds() {
        TaskSubmission one = read("{\"type\": \"a\", \"payload\": {\"a\": 1}, \"labels\": {\"x\": \"1\", \"y\": \"2\"}}");
        TaskSubmission two = read("{\"labels\": {\"y\": \"2\", \"x\": \"1\"}, \"payload\": {\"a\": 1}, \"type\": \"a\"}")
                .withId(UUID.randomUUID()).withCreatedAt(NOW.plus(Duration.ofHours(1)));
        TaskSubmission other = read("{\"type\": \"a\", \"payload\": {\"a\": 2}}");

        assertThat(TaskSubmitter.requestHash(one)).isEqualTo(TaskSubmitter.requestHash(two)).hasSize(32);
        assertThat(TaskSubmitter.requestHash(one)).isNotEqualTo(TaskSubmitter.requestHash(other));
    }

    private static TaskSubmission read(String json) {
        return new SubmissionReader(SchemaValidator.load(), 1024).read(body(json), "acme", UUID.randomUUID(), NOW, null);
    }
}
