package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;

import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;

class PendingViewsTest {

    private static final Instant CREATED = Instant.parse("2026-11-28T10:00:00Z");

    private final AtomicLong nanos = new AtomicLong();
    private final PendingViews views = new PendingViews(64 * 1024, Duration.ofMinutes(10), nanos::get);
    private final TaskRepository repository = mock(TaskRepository.class);

    private static TaskSubmission submission(String tenant, int payloadBytes) {
        return new TaskSubmission(UUID.randomUUID(), tenant, "a",
                Json.mapper().createObjectNode().put("blob", "x".repeat(payloadBytes)), Priority.HIGH, null,
                Duration.ofMinutes(5), null, null, null, "k1", null, Map.of("team", "billing"), null, null, CREATED);
    }

    @Test
    void aRememberedTaskIsAnsweredAsPendingWithItsPayloadOnlyOnRequest() {
        TaskSubmission s = submission("acme", 10);
        views.remember(s, "4bf92f3577b34da6a3ce929d0e0e4736");

        TaskView view = views.find("acme", s.id(), false).orElseThrow();
        assertThat(view.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(view.priority()).isEqualTo(Priority.HIGH);
        assertThat(view.runAt()).isEqualTo(CREATED.plus(Duration.ofMinutes(5)));
        assertThat(view.labels()).containsEntry("team", "billing");
        assertThat(view.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(view.payload()).isNull();
        assertThat(views.find("acme", s.id(), true).orElseThrow().payload()).isEqualTo(s.payload());
    }

    @Test
    void anotherTenantNeverSeesIt() {
        TaskSubmission s = submission("acme", 10);
        views.remember(s, null);

        assertThat(views.find("other", s.id(), false)).isEmpty();
    }

    @Test
    void anEntryExpiresAfterItsTtl() {
        TaskSubmission s = submission("acme", 10);
        views.remember(s, null);

        nanos.addAndGet(Duration.ofMinutes(10).minusNanos(1).toNanos());
        assertThat(views.find("acme", s.id(), false)).isPresent();
        nanos.addAndGet(1);
        assertThat(views.find("acme", s.id(), false)).isEmpty();
    }

    @Test
    void theCacheIsBoundedByThePayloadsItHolds() {
        for (int i = 0; i < 20; i++) {
            views.remember(submission("acme", 8 * 1024), null);
        }

        assertThat(views.size()).as("64 KiB hold at most 7 entries of 9 KiB").isLessThanOrEqualTo(7);
    }

    @Test
    void aRowInPostgresWinsAndDropsTheEntry() {
        TaskSubmission s = submission("acme", 10);
        views.remember(s, null);
        TaskView row = TaskView.pending(s, null);
        when(repository.find("acme", s.id(), false)).thenReturn(Optional.of(row));

        assertThat(views.read(repository, "acme", s.id(), false)).containsSame(row);
        assertThat(views.find("acme", s.id(), false)).isEmpty();
    }

    @Test
    void withoutARowOrWithPostgresDownTheEntryAnswers() {
        TaskSubmission s = submission("acme", 10);
        views.remember(s, null);
        UUID unknown = UUID.randomUUID();
        when(repository.find("acme", s.id(), false)).thenReturn(Optional.empty());
        when(repository.find("acme", s.id(), true)).thenThrow(new DataAccessResourceFailureException("down"));
        when(repository.find("acme", unknown, false)).thenThrow(new DataAccessResourceFailureException("down"));

        assertThat(views.read(repository, "acme", s.id(), false)).isPresent();
        assertThat(views.read(repository, "acme", s.id(), true)).hasValueSatisfying(
                view -> assertThat(view.payload()).isEqualTo(s.payload()));
        assertThatThrownBy(() -> views.read(repository, "acme", unknown, false))
                .as("a task it does not know is Postgres's problem")
                .isInstanceOf(DataAccessResourceFailureException.class);
    }

    @Test
    void aZeroBoundTurnsItOff() {
        PendingViews off = new PendingViews(0, Duration.ofMinutes(10), nanos::get);
        TaskSubmission s = submission("acme", 10);

        off.remember(s, null);

        assertThat(off.find("acme", s.id(), false)).isEmpty();
    }
}
