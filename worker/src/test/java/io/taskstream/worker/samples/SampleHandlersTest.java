package io.taskstream.worker.samples;

import static io.taskstream.worker.support.Dispatches.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.NonRetryableException;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;
import io.taskstream.embedded.MutableClock;
import tools.jackson.databind.JsonNode;

class SampleHandlersTest {

    final MutableClock clock = new MutableClock(T0);
    final List<Duration> slept = new ArrayList<>();
    final Sleeper sleeper = slept::add;

    static JsonNode completed(HandlerResult result) {
        assertThat(result).isInstanceOf(HandlerResult.Completed.class);
        return ((HandlerResult.Completed) result).result();
    }

    static TaskContext attempt(String type, int attempt, Map<String, ?> payload) {
        return TaskContext.builder(type).attempt(attempt).maxAttempts(10).payload(payload).build();
    }

    @Test
    void failFailsTheFirstNAttemptsThenCompletes() throws Exception {
        FailHandler fail = new FailHandler();
        Map<String, Object> twice = Map.of("failTimes", 2);

        assertThatThrownBy(() -> fail.handle(attempt("fail", 1, twice)))
                .isInstanceOf(IllegalStateException.class).hasMessage("simulated failure on attempt 1 of 2");
        assertThatThrownBy(() -> fail.handle(attempt("fail", 2, twice))).isInstanceOf(IllegalStateException.class);
        JsonNode third = completed(fail.handle(attempt("fail", 3, twice)));

        assertThat(third.get("attempt").asInt()).isEqualTo(3);
        assertThat(third.get("failedBefore").asInt()).isEqualTo(2);
    }

    @Test
    void failWithMinusOneOrNoCountFailsEveryTime() {
        FailHandler fail = new FailHandler();
        for (int attempt = 1; attempt <= 10; attempt++) {
            int n = attempt;
            assertThatThrownBy(() -> fail.handle(attempt("fail", n, Map.of("failTimes", -1))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("fails every time");
            assertThatThrownBy(() -> fail.handle(attempt("fail", n, Map.of())))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void failNotRetryableThrowsANonRetryableException() {
        assertThatThrownBy(() -> new FailHandler().handle(attempt("fail", 1, Map.of("failTimes", 1, "retryable", false))))
                .isInstanceOf(NonRetryableException.class);
    }

    @Test
    void failWithZeroCompletesAtOnce() throws Exception {
        assertThat(completed(new FailHandler().handle(attempt("fail", 1, Map.of("failTimes", 0))))
                .get("failedBefore").asInt()).isZero();
    }

    @Test
    void logCompletesWithoutAResult() {
        assertThat(completed(new LogHandler().handle(attempt("log", 1, Map.of("hello", "world"))))).isNull();
    }

    @Test
    void emailSendRecordsTheMessageOnceAndAnswersItsId() {
        EmailSendHandler email = new EmailSendHandler(clock);
        UUID taskId = UUID.randomUUID();
        TaskContext ctx = TaskContext.builder("email.send").taskId(taskId)
                .payload(Map.of("to", "a@example.com", "subject", "Hi", "body", "Hello")).build();

        JsonNode first = completed(email.handle(ctx));
        clock.advance(Duration.ofMinutes(1));
        JsonNode again = completed(email.handle(ctx)); // at-least-once: the same task runs again

        assertThat(first.get("messageId").asString()).isEqualTo("msg-" + taskId);
        assertThat(again).isEqualTo(first);
        assertThat(email.sent()).containsExactly(new EmailSendHandler.Email("msg-" + taskId, taskId,
                "a@example.com", "Hi", "Hello", T0));
    }

    @Test
    void emailSendWithoutRecipientIsNotRetryable() {
        assertThatThrownBy(() -> new EmailSendHandler(clock).handle(attempt("email.send", 1, Map.of("subject", "x"))))
                .isInstanceOf(NonRetryableException.class).hasMessageContaining("\"to\"");
    }

    @Test
    void emailSendKeepsOnlyTheLatestMessages() {
        EmailSendHandler email = new EmailSendHandler(clock);
        for (int i = 0; i < EmailSendHandler.KEEP + 5; i++) {
            email.handle(attempt("email.send", 1, Map.of("to", "user" + i + "@example.com")));
        }
        assertThat(email.sent()).hasSize(EmailSendHandler.KEEP);
        assertThat(email.sent().getFirst().to()).isEqualTo("user5@example.com");
    }

    @Test
    void reportGenerateWorksForTheGivenTimeAndAnswersASmallReport() throws Exception {
        UUID taskId = UUID.randomUUID();
        ReportGenerateHandler report = new ReportGenerateHandler(clock, sleeper);
        TaskContext ctx = TaskContext.builder("report.generate").taskId(taskId).tenantId("acme")
                .payload(Map.of("ms", 250)).build();

        JsonNode result = completed(report.handle(ctx));

        assertThat(slept).containsExactly(Duration.ofMillis(250));
        assertThat(result.get("generatedAt").asString()).isEqualTo(T0.toString());
        assertThat(result.get("tookMs").asLong()).isEqualTo(250);
        assertThat(result.get("lines").get(0).asString()).isEqualTo("tenant: acme");
        assertThat(completed(report.handle(ctx)).get("reportId")).as("same task, same report")
                .isEqualTo(result.get("reportId"));
    }

    @Test
    void sleepSleepsTheGivenMillisecondsOnTheHandlerThread() throws Exception {
        JsonNode result = completed(new SleepHandler(sleeper).handle(attempt("sleep", 1, Map.of("ms", 1500))));

        assertThat(slept).containsExactly(Duration.ofMillis(1500));
        assertThat(result.get("sleptMs").asLong()).isEqualTo(1500);
    }

    @Test
    void sleepWithoutMillisecondsDoesNotSleepAndNonsenseIsNotRetryable() throws Exception {
        new SleepHandler(sleeper).handle(attempt("sleep", 1, Map.of()));
        assertThat(slept).containsExactly(Duration.ZERO);

        assertThatThrownBy(() -> new SleepHandler(sleeper).handle(attempt("sleep", 1, Map.of("ms", -1))))
                .isInstanceOf(NonRetryableException.class);
        assertThatThrownBy(() -> new SleepHandler(sleeper).handle(attempt("sleep", 1, Map.of("ms", "soon"))))
                .isInstanceOf(NonRetryableException.class);
    }

    @Test
    void theRealSleeperSleeps() throws InterruptedException {
        Sleeper.real().sleep(Duration.ZERO);
    }

    @Test
    void sampleHandlersAreRegisteredOnlyWhenSwitchedOn() {
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withBean(java.time.Clock.class, () -> clock)
                .withConfiguration(AutoConfigurations.of(SampleHandlers.class));

        runner.run(ctx -> assertThat(ctx.getBeansOfType(TaskHandler.class)).isEmpty());
        runner.withPropertyValues("taskstream.worker.sample-handlers=false")
                .run(ctx -> assertThat(ctx.getBeansOfType(TaskHandler.class)).isEmpty());
        runner.withPropertyValues("taskstream.worker.sample-handlers=true")
                .run(ctx -> assertThat(ctx.getBeansOfType(TaskHandler.class).values())
                        .extracting(TaskHandler::type)
                        .containsExactlyInAnyOrder("log", "sleep", "fail", "email.send", "report.generate"));
    }
}
