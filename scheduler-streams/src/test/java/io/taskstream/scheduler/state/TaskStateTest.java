package io.taskstream.scheduler.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskStatus;

class TaskStateTest {

    static final JsonSerde<TaskState> SERDE = JsonSerde.internal(TaskState.class);
    static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void aStateWrittenBeforeCancelPurgeFencingAndDeferralExistedIsReadWithTheirDefaults() {
        UUID id = UUID.randomUUID();
        String old = """
                {"taskId": "%s", "tenantId": "acme", "status": "QUEUED", "version": 2, "attempts": 1,
                 "dueAt": "2026-12-01T10:00:00Z", "dispatchedAt": "2026-12-01T10:00:00Z",
                 "deadline": "2026-12-01T10:05:30Z", "executions": [], "updatedAt": "2026-12-01T10:00:00Z",
                 "someFutureField": 7}""".formatted(id);

        TaskState state = SERDE.deserializer().deserialize("t", old.getBytes(StandardCharsets.UTF_8));

        assertThat(state.cancelRequested()).isFalse();
        assertThat(state.purgeAt()).isNull();
        assertThat(state.fencingToken()).as("no token seen").isZero();
        assertThat(state.deferrals()).isZero();
        assertThat(state.isInFlight()).isTrue();
        assertThat(state.deadlineAt()).isEqualTo(Instant.parse("2026-12-01T10:05:30Z"));
    }

    @Test
    void theIndexesATaskBelongsToFollowFromItsState() {
        TaskState placeholder = TaskState.cancelledBeforeAdmission(UUID.randomUUID(), "acme", T, T.plusSeconds(60));

        assertThat(placeholder.isPlaceholder()).isTrue();
        assertThat(placeholder.timerAt()).isNull();
        assertThat(placeholder.deadlineAt()).isNull();
        assertThat(placeholder.purgeAt()).isEqualTo(T.plusSeconds(60));
        assertThat(SERDE.deserializer().deserialize("t", SERDE.serializer().serialize("t", placeholder)))
                .isEqualTo(placeholder);

        TaskState early = TaskState.reprioritizedBeforeAdmission(UUID.randomUUID(), "acme", Priority.HIGH, T,
                T.plusSeconds(60));
        assertThat(early.isPlaceholder()).isTrue();
        assertThat(early.cancelRequested()).isFalse();
        assertThat(early.purgeAt()).as("in the purge index, like the cancel placeholder").isEqualTo(T.plusSeconds(60));
        assertThat(SERDE.deserializer().deserialize("t", SERDE.serializer().serialize("t", early)))
                .isEqualTo(early);

        TaskState rejected = TaskState.rejected(UUID.randomUUID(), "acme", null, T, T.plusSeconds(5));
        assertThat(rejected.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(rejected.timerAt()).isNull();
        assertThat(rejected.purgeAt()).isEqualTo(T.plusSeconds(5));
    }
}
