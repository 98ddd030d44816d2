package io.taskstream.worker.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import io.taskstream.schemas.Priority;
import tools.jackson.databind.JsonNode;

class TaskContextTest {

    record Email(String to, int retries) {
    }

    @Test
    void bindsThePayloadToAType() {
        TaskContext ctx = TaskContext.builder("email.send")
                .payload(Map.of("to", "a@example.com", "retries", 2, "unknown", true)).build();

        assertThat(ctx.payloadAs(Email.class)).isEqualTo(new Email("a@example.com", 2));
    }

    @Test
    void aPayloadThatDoesNotFitIsNotRetryable() {
        TaskContext ctx = TaskContext.builder("email.send").payload(Map.of("retries", "many")).build();

        assertThatThrownBy(() -> ctx.payloadAs(Email.class))
                .isInstanceOf(NonRetryableException.class)
                .hasMessageContaining("is not a valid Email");
    }

    @Test
    void aMissingPayloadIsAnEmptyObject() {
        TaskContext ctx = TaskContext.builder("log").payload((JsonNode) null).build();

        assertThat(ctx.payload().isObject()).isTrue();
        assertThat(ctx.payload().isEmpty()).isTrue();
    }

    @Test
    void toStringIdentifiesTheAttemptWithoutThePayload() {
        UUID id = UUID.fromString("0190f0c4-1111-7000-8000-000000000001");
        TaskContext ctx = TaskContext.builder("email.send").taskId(id).tenantId("acme").attempt(2)
                .priority(Priority.HIGH).labels(Map.of("team", "x"))
                .payload(Map.of("to", "secret@example.com")).build();

        assertThat(ctx).hasToString(
                "TaskContext[taskId=0190f0c4-1111-7000-8000-000000000001, tenant=acme, type=email.send, attempt=2/4]");
        assertThat(ctx.priority()).isEqualTo(Priority.HIGH);
        assertThat(ctx.labels()).containsEntry("team", "x");
    }

    @Test
    void cancellationIsReadWhenAsked() {
        AtomicBoolean flag = new AtomicBoolean();
        TaskContext ctx = TaskContext.builder("long").cancelled(flag::get).build();

        assertThat(ctx.isCancelled()).isFalse();
        flag.set(true);
        assertThat(ctx.isCancelled()).isTrue();
    }

    @Test
    void anAttemptBeyondMaxAttemptsIsRejected() {
        assertThatThrownBy(() -> TaskContext.builder("log").attempt(5).maxAttempts(4).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(TaskContext.builder("log").attempt(7).build().maxAttempts()).isEqualTo(7);
    }

    @Test
    void handlerResultsCheckWhatTheyCarry() {
        assertThat(((HandlerResult.Completed) HandlerResult.completed(Map.of("n", 1))).result().get("n").asInt())
                .isEqualTo(1);
        assertThat(((HandlerResult.Completed) HandlerResult.completed(null)).result()).isNull();
        assertThat(HandlerResult.failed("code", null, true)).isEqualTo(new HandlerResult.Failed("code", "", true));
        assertThat(HandlerResult.cancelled(null)).isEqualTo(new HandlerResult.Cancelled(""));
        assertThatThrownBy(() -> HandlerResult.failed(" ", "m", true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HandlerResult.snooze(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new NonRetryableException("m", new RuntimeException()).getCause()).isNotNull();
    }
}
