package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.control.CancelFlags;
import io.taskstream.ingest.control.ControlPublisher;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.ControlCommand;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;

/** What cancel and re-prioritise decide from the task view, with Redis and Kafka played by fakes. */
class TaskControlTest {

    private static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");
    private static final ApiPrincipal CALLER = new ApiPrincipal("acme", "key-1", Set.of(Scope.ADMIN));

    private final Map<UUID, TaskView> views = new HashMap<>();
    private final Map<UUID, Instant> flags = new HashMap<>();
    private final List<ControlCommand> sent = new ArrayList<>();
    private boolean kafkaDown;

    private final TaskRepository repository = new TaskRepository(null) {
        @Override
        public Optional<TaskView> find(String tenantId, UUID id, boolean includePayload) {
            return Optional.ofNullable(views.get(id)).filter(v -> v.tenantId().equals(tenantId));
        }
    };
    private final CancelFlags cancelFlags = new CancelFlags(null, "p:", Duration.ofDays(7), Duration.ofSeconds(5)) {
        @Override
        public void set(UUID taskId, Instant requestedAt) {
            flags.put(taskId, requestedAt);
        }
    };
    private final ControlPublisher publisher = new ControlPublisher(null, null, null, Duration.ofSeconds(5), null) {
        @Override
        public void publish(ControlCommand command, String traceparent) {
            if (kafkaDown) {
                throw unavailable(null);
            }
            sent.add(command);
        }
    };
    private final PendingViews pendingViews = new PendingViews(1 << 20, Duration.ofHours(1),
            com.github.benmanes.caffeine.cache.Ticker.disabledTicker());
    private final TaskControl control = new TaskControl(repository, pendingViews, cancelFlags, publisher,
            Clock.fixed(NOW, ZoneOffset.UTC));

    private UUID task(String tenant, TaskStatus status) {
        UUID id = UUID.randomUUID();
        views.put(id, new TaskView(id, tenant, "a", Priority.NORMAL, status, 0, 4, NOW, NOW, NOW, null, null, null,
                null, Map.of(), null, null, null, null));
        return id;
    }

    @ParameterizedTest
    @EnumSource(value = TaskStatus.class, names = {"PENDING", "SCHEDULED", "QUEUED", "PROCESSING", "RETRY_SCHEDULED"})
    void anUnfinishedTaskIsFlaggedThenCancelled(TaskStatus status) {
        UUID id = task("acme", status);

        TaskView answered = control.cancel(CALLER, id, null);

        assertThat(answered.status()).isEqualTo(status);
        assertThat(flags).containsEntry(id, NOW);
        assertThat(sent).containsExactly(new ControlCommand(id, "acme", ControlCommand.Kind.CANCEL, null, NOW,
                "key-1"));
    }

    @ParameterizedTest
    @EnumSource(value = TaskStatus.class, names = {"COMPLETED", "FAILED", "CANCELLED"})
    void aFinishedTaskIsAConflictAndNothingIsSent(TaskStatus status) {
        UUID id = task("acme", status);

        assertThatThrownBy(() -> control.cancel(CALLER, id, null)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        assertThat(flags).isEmpty();
        assertThat(sent).isEmpty();
    }

    @Test
    void anotherTenantsTaskIsNotFound() {
        UUID id = task("other", TaskStatus.QUEUED);

        assertThatThrownBy(() -> control.cancel(CALLER, id, null)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThatThrownBy(() -> control.reprioritize(CALLER, id, Priority.HIGH, null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThat(flags).isEmpty();
        assertThat(sent).isEmpty();
    }

    @Test
    void aTaskWhoseRowIsNotWrittenYetIsFoundInThisInstancesMemory() {
        TaskSubmission accepted = new TaskSubmission(UUID.randomUUID(), "acme", "a",
                io.taskstream.schemas.Json.mapper().createObjectNode(), Priority.LOW, null, null, null, null, null,
                null, null, null, null, null, NOW);
        pendingViews.remember(accepted, null);

        assertThat(control.reprioritize(CALLER, accepted.id(), Priority.HIGH, null).status())
                .isEqualTo(TaskStatus.PENDING);
        assertThat(control.cancel(CALLER, accepted.id(), null).id()).isEqualTo(accepted.id());
        assertThat(sent).extracting(ControlCommand::kind)
                .containsExactly(ControlCommand.Kind.REPRIORITIZE, ControlCommand.Kind.CANCEL);
        assertThatThrownBy(() -> control.cancel(new ApiPrincipal("other", "key-2", Set.of(Scope.ADMIN)), accepted.id(),
                null)).isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void whenKafkaIsDownTheCancelIs503AndTheFlagStaysSoNoFurtherAttemptStarts() {
        UUID id = task("acme", TaskStatus.QUEUED);
        kafkaDown = true;

        assertThatThrownBy(() -> control.cancel(CALLER, id, null)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        assertThat(flags).containsKey(id);
    }

    @ParameterizedTest
    @EnumSource(value = TaskStatus.class, names = {"PENDING", "SCHEDULED", "QUEUED", "RETRY_SCHEDULED"})
    void aTaskThatHasNotStartedIsReprioritised(TaskStatus status) {
        UUID id = task("acme", status);

        control.reprioritize(CALLER, id, Priority.NORMAL, null);

        assertThat(sent).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo(ControlCommand.Kind.REPRIORITIZE);
            assertThat(c.priority()).as("sent even if the view shows it: an earlier change may be on its way")
                    .isEqualTo(Priority.NORMAL);
        });
        assertThat(flags).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = TaskStatus.class, names = {"PROCESSING", "COMPLETED", "FAILED", "CANCELLED"})
    void aStartedOrFinishedTaskCannotBeReprioritised(TaskStatus status) {
        UUID id = task("acme", status);

        assertThatThrownBy(() -> control.reprioritize(CALLER, id, Priority.HIGH, null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        assertThat(sent).isEmpty();
    }
}
