package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;

class TaskSubmitterTest {

    private static final Instant NOW = Instant.parse("2026-11-28T10:00:00.123456789Z");

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final TaskRepository repository = mock(TaskRepository.class);
    private final List<TaskSubmission> published = new ArrayList<>();
    private final SubmissionPublisher publisher = new SubmissionPublisher(null, null, null, null) {
        @Override
        public void publish(TaskSubmission submission, TraceContext trace) {
            published.add(submission);
        }
    };
    private final TaskSubmitter submitter = new TaskSubmitter(new SubmissionReader(SchemaValidator.load(), 262_144),
            publisher, repository, Clock.fixed(NOW, ZoneOffset.UTC), new Random(42), meters, Admission.OPEN);

    private static byte[] body(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anAcceptedTaskIsPublishedThenRecordedAsPending() {
        when(repository.insertPending(any(), any(), any())).thenReturn(true);
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
        assertThat(published).singleElement().satisfies(s -> assertThat(s.id()).isEqualTo(view.id()));
        verify(repository).insertPending(eq(published.getFirst()), any(), eq(trace.traceId()));
    }

    @Test
    void aTaskStaysAcceptedWhenItsPendingRowCannotBeWritten() {
        when(repository.insertPending(any(), any(), any()))
                .thenThrow(new DataAccessResourceFailureException("postgres down"));

        TaskSubmitter.Submitted result = submitter.submit("acme", body("{\"type\": \"a\", \"payload\": {}}"), null,
                null);

        assertThat(result.created()).isTrue();
        assertThat(published).hasSize(1);
        assertThat(meters.get("taskstream.ingest.ryw.insert.failures").counter().count()).isEqualTo(1.0);
    }

    @Test
    void anInvalidRequestPublishesNothing() {
        assertThatThrownBy(() -> submitter.submit("acme", body("{\"type\": \"A\"}"), null, null))
                .isInstanceOf(ApiException.class);
        assertThat(published).isEmpty();
    }

    @Test
    void theSameRequestWithTheSameKeyAnswersTheOriginalTask() {
        String request = "{\"type\": \"a\", \"payload\": {\"x\": 1, \"y\": 2}, \"idempotencyKey\": \"k\"}";
        UUID original = UUID.randomUUID();
        byte[] hash = hashOf(request);
        TaskView originalView = new TaskView(original, "acme", "a", null, TaskStatus.QUEUED, 0, 4, NOW, NOW, NOW,
                null, null, null, null, java.util.Map.of(), null, null, null, null);
        when(repository.findByIdempotencyKey("acme", "k"))
                .thenReturn(Optional.of(new TaskRepository.IdempotentTask(original, hash)));
        when(repository.find("acme", original, false)).thenReturn(Optional.of(originalView));

        TaskSubmitter.Submitted result = submitter.submit("acme",
                body("{\"idempotencyKey\": \"k\", \"payload\": {\"y\": 2, \"x\": 1}, \"type\": \"a\"}"), null, null);

        assertThat(result.created()).isFalse();
        assertThat(result.task()).isEqualTo(originalView);
        assertThat(published).isEmpty();
    }

    @Test
    void theSameKeyWithADifferentRequestIsAConflict() {
        UUID original = UUID.randomUUID();
        when(repository.findByIdempotencyKey("acme", "k")).thenReturn(Optional.of(
                new TaskRepository.IdempotentTask(original, hashOf("{\"type\": \"a\", \"payload\": {}, "
                        + "\"idempotencyKey\": \"k\"}"))));

        assertThatThrownBy(() -> submitter.submit("acme", body("{\"type\": \"b\", \"payload\": {}}"), "k", null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.IDEMPOTENCY_CONFLICT);
                    assertThat(e.getMessage()).contains(original.toString());
                });
        assertThat(published).isEmpty();
    }

    @Test
    void losingAnIdempotencyRaceAnswersTheWinner() {
        UUID winner = UUID.randomUUID();
        String request = "{\"type\": \"a\", \"payload\": {}, \"idempotencyKey\": \"k\"}";
        TaskView winnerView = new TaskView(winner, "acme", "a", null, TaskStatus.PENDING, 0, 4, NOW, NOW, NOW,
                null, null, null, null, java.util.Map.of(), null, null, null, null);
        when(repository.findByIdempotencyKey("acme", "k")).thenReturn(Optional.empty(),
                Optional.of(new TaskRepository.IdempotentTask(winner, hashOf(request))));
        when(repository.insertPending(any(), any(), any())).thenReturn(false);
        when(repository.find(eq("acme"), any(UUID.class), anyBoolean())).thenAnswer(inv ->
                winner.equals(inv.getArgument(1)) ? Optional.of(winnerView) : Optional.empty());

        TaskSubmitter.Submitted result = submitter.submit("acme", body(request), null, null);

        assertThat(result.created()).isFalse();
        assertThat(result.task().id()).isEqualTo(winner);
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

    private static byte[] hashOf(String json) {
        return TaskSubmitter.requestHash(read(json));
    }

    @Test
    void kafkaTroubleLeavesNoRow() {
        SubmissionPublisher failing = new SubmissionPublisher(null, null, null, null) {
            @Override
            public void publish(TaskSubmission submission, TraceContext trace) {
                throw ApiException.dependencyUnavailable("down", Duration.ofSeconds(1), null);
            }
        };
        TaskSubmitter withFailingKafka = new TaskSubmitter(new SubmissionReader(SchemaValidator.load(), 1024), failing,
                repository, Clock.fixed(NOW, ZoneOffset.UTC), new Random(1), meters, Admission.OPEN);

        assertThatThrownBy(() -> withFailingKafka.submit("acme", body("{\"type\": \"a\", \"payload\": {}}"), null, null))
                .isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        verify(repository, never()).insertPending(any(), any(), any());
    }

    @Test
    void aRefusedTaskIsNeitherPublishedNorRecordedButAnIdempotentRetryIsStillAnswered() {
        List<String> asked = new ArrayList<>();
        TaskSubmitter full = new TaskSubmitter(new SubmissionReader(SchemaValidator.load(), 1024), publisher,
                repository, Clock.fixed(NOW, ZoneOffset.UTC), new Random(1), meters, (tenant, priority) -> {
                    asked.add(tenant + ":" + priority);
                    throw new ApiException(ErrorCode.QUEUE_FULL, "full");
                });

        assertThatThrownBy(() -> full.submit("acme", body("{\"type\": \"a\", \"payload\": {}, \"priority\": \"LOW\"}"),
                null, null)).isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.QUEUE_FULL));
        assertThat(asked).containsExactly("acme:LOW");
        assertThat(published).isEmpty();
        verify(repository, never()).insertPending(any(), any(), any());

        String retry = "{\"type\": \"a\", \"payload\": {}, \"idempotencyKey\": \"k\"}";
        UUID original = UUID.randomUUID();
        TaskView originalView = new TaskView(original, "acme", "a", null, TaskStatus.QUEUED, 0, 4, NOW, NOW, NOW,
                null, null, null, null, java.util.Map.of(), null, null, null, null);
        when(repository.findByIdempotencyKey("acme", "k"))
                .thenReturn(Optional.of(new TaskRepository.IdempotentTask(original, hashOf(retry))));
        when(repository.find("acme", original, false)).thenReturn(Optional.of(originalView));

        assertThat(full.submit("acme", body(retry), null, null).task()).isEqualTo(originalView);
        assertThat(asked).as("a task already accepted is not admitted again").hasSize(1);
    }
}
