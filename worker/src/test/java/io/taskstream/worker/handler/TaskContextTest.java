package io.taskstream.worker.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.taskstream.embedded.MutableClock;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskProgress;
import tools.jackson.databind.JsonNode;

class TaskContextTest {

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    private final MutableClock clock = new MutableClock(T0);
    private final List<TaskProgress> reports = new CopyOnWriteArrayList<>();
    private final TaskContext reporting = TaskContext.builder("report.generate").clock(clock).progress(reports::add)
            .build();

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

    @Test
    void theFirstProgressIsReportedAtOnceWithTheClocksTime() {
        reporting.progress(40, "page 4 of 10");

        assertThat(reports).containsExactly(new TaskProgress(40, "page 4 of 10", T0));
    }

    @Test
    void progressIsReportedAtMostOncePerInterval() {
        reporting.progress(1, "first");
        for (int percent = 2; percent <= 50; percent++) {
            reporting.progress(percent, "hot loop");
        }
        clock.advance(TaskContext.PROGRESS_INTERVAL.minusMillis(1));
        reporting.progress(60, "still within the interval");

        assertThat(reports).extracting(TaskProgress::percent).containsExactly(1);

        clock.advance(Duration.ofMillis(1));
        reporting.progress(70, "one interval later");
        reporting.progress(71);

        assertThat(reports).containsExactly(new TaskProgress(1, "first", T0),
                new TaskProgress(70, "one interval later", T0.plus(TaskContext.PROGRESS_INTERVAL)));
    }

    @Test
    void theIntervalCountsFromTheLastReportPassedOnNotFromTheLastCall() {
        reporting.progress(10);
        clock.advance(Duration.ofMillis(600));
        reporting.progress(20); // dropped
        clock.advance(Duration.ofMillis(600));
        reporting.progress(30); // 1.2 s after the last report passed on

        assertThat(reports).extracting(TaskProgress::percent).containsExactly(10, 30);
    }

    @Test
    void aClockThatJumpsBackwardsDoesNotSilenceProgress() {
        reporting.progress(10);
        clock.set(T0.minusSeconds(3600));
        reporting.progress(20);

        assertThat(reports).extracting(TaskProgress::percent).containsExactly(10, 20);
    }

    @Test
    void aConfiguredIntervalOfZeroPassesEveryReportOn() {
        TaskContext unthrottled = TaskContext.builder("t").clock(clock).progress(reports::add)
                .progressInterval(Duration.ZERO).build();

        unthrottled.progress(1);
        unthrottled.progress(2);

        assertThat(reports).extracting(TaskProgress::percent).containsExactly(1, 2);
        assertThatThrownBy(() -> TaskContext.builder("t").progressInterval(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("progressInterval");
    }

    @ParameterizedTest(name = "{0} %")
    @ValueSource(ints = {-1, 101, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void aPercentOutsideZeroToHundredIsRefusedEvenWhenItWouldBeDropped(int percent) {
        assertThatThrownBy(() -> reporting.progress(percent, "m"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("progress percent must be between 0 and 100 (was " + percent + ")");

        reporting.progress(50); // now a report was passed on: the next ones within the interval are dropped …
        assertThatThrownBy(() -> reporting.progress(percent)).isInstanceOf(IllegalArgumentException.class);
        assertThat(reports).extracting(TaskProgress::percent).containsExactly(50); // … but still checked
    }

    @Test
    void zeroAndHundredAreValidAndTheMessageIsOptional() {
        reporting.progress(0);
        clock.advance(TaskContext.PROGRESS_INTERVAL);
        reporting.progress(100, null);

        assertThat(reports).containsExactly(new TaskProgress(0, null, T0),
                new TaskProgress(100, null, T0.plus(TaskContext.PROGRESS_INTERVAL)));
    }

    @Test
    void aLongMessageIsCutToTheWiresLimitWithoutSplittingACharacter() {
        reporting.progress(10, "x".repeat(500));
        clock.advance(TaskContext.PROGRESS_INTERVAL);
        String emoji = "\uD83D\uDE80"; // one character, two chars
        reporting.progress(20, "y".repeat(TaskProgress.MAX_MESSAGE_LENGTH - 1) + emoji);

        assertThat(reports.get(0).message()).hasSize(TaskProgress.MAX_MESSAGE_LENGTH);
        assertThat(reports.get(1).message()).isEqualTo("y".repeat(TaskProgress.MAX_MESSAGE_LENGTH - 1));
    }

    @Test
    void aHandlerTestWithoutASinkMayReportProgress() {
        TaskContext ctx = TaskContext.builder("log").build();

        org.assertj.core.api.Assertions.assertThatCode(() -> {
            ctx.progress(10, "nobody listens");
            ctx.progress(20);
        }).doesNotThrowAnyException();
    }
}
