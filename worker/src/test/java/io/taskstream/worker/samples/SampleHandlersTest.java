package io.taskstream.worker.samples;

import static io.taskstream.worker.support.Dispatches.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.NonRetryableException;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;
import io.taskstream.embedded.MutableClock;
import io.taskstream.schemas.TaskProgress;
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
    void failWithACountBelowMinusOneIsANonRetryableMistake() {
        assertThatThrownBy(() -> new FailHandler().handle(attempt("fail", 1, Map.of("failTimes", -2))))
                .isInstanceOf(NonRetryableException.class)
                .hasMessage("failTimes must be -1 (fail every attempt) or at least 0, was -2");
    }

    @Test
    void failWithZeroCompletesAtOnce() throws Exception {
        assertThat(completed(new FailHandler().handle(attempt("fail", 1, Map.of("failTimes", 0))))
                .get("failedBefore").asInt()).isZero();
    }

    @Test
    void noopCompletesAtOnceWithoutAResult() {
        NoopHandler noop = new NoopHandler();
        assertThat(noop.type()).isEqualTo("noop");
        assertThat(completed(noop.handle(attempt("noop", 1, Map.of())))).isNull();
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

        assertThat(slept).containsExactly(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(50));
        assertThat(result.get("generatedAt").asString()).isEqualTo(T0.toString());
        assertThat(result.get("tookMs").asLong()).isEqualTo(250);
        assertThat(result.get("lines").get(0).asString()).isEqualTo("tenant: acme");
        assertThat(completed(report.handle(ctx)).get("reportId")).as("same task, same report")
                .isEqualTo(result.get("reportId"));
    }

    @Test
    void reportGenerateReportsItsProgressAsItGoes() throws Exception {
        List<TaskProgress> reports = new ArrayList<>();
        Sleeper passingTime = duration -> {
            slept.add(duration);
            clock.advance(duration);
        };
        TaskContext ctx = TaskContext.builder("report.generate").payload(Map.of("ms", 2_550)).clock(clock)
                .progress(reports::add).build();

        completed(new ReportGenerateHandler(clock, passingTime).handle(ctx));

        // one report a second gets through: after the first slice, then 1 s and 2 s later
        assertThat(reports).containsExactly(
                new TaskProgress(3, "generated 100 of 2550 ms", T0.plusMillis(100)),
                new TaskProgress(43, "generated 1100 of 2550 ms", T0.plusMillis(1_100)),
                new TaskProgress(82, "generated 2100 of 2550 ms", T0.plusMillis(2_100)));
    }

    @Test
    void reportGenerateStopsWorkingWhenTheTaskIsCancelled() throws Exception {
        int[] asked = new int[1];
        TaskContext ctx = TaskContext.builder("report.generate").payload(Map.of("ms", 10_000))
                .cancelled(() -> ++asked[0] > 3).build();

        HandlerResult result = new ReportGenerateHandler(clock, sleeper).handle(ctx);

        assertThat(result).isEqualTo(HandlerResult.cancelled("report cancelled before it was done"));
        assertThat(slept).hasSize(3);
    }

    @Test
    void reportGenerateWithoutMillisecondsAnswersAtOnceAndNonsenseIsNotRetryable() throws Exception {
        ReportGenerateHandler report = new ReportGenerateHandler(clock, sleeper);

        assertThat(completed(report.handle(attempt("report.generate", 1, Map.of()))).get("tookMs").asLong()).isZero();
        assertThat(slept).isEmpty();
        assertThatThrownBy(() -> report.handle(attempt("report.generate", 1, Map.of("ms", Millis.MAX + 1))))
                .isInstanceOf(NonRetryableException.class).hasMessageStartingWith("ms must be between 0 and");
    }

    @Test
    void sleepSleepsTheGivenMillisecondsInSlicesOnTheHandlerThread() throws Exception {
        JsonNode result = completed(new SleepHandler(sleeper).handle(attempt("sleep", 1, Map.of("ms", 1450))));

        assertThat(slept).hasSize(15).allSatisfy(slice -> assertThat(slice).isLessThanOrEqualTo(Sleeper.SLICE));
        assertThat(slept.stream().reduce(Duration.ZERO, Duration::plus)).isEqualTo(Duration.ofMillis(1450));
        assertThat(slept.getLast()).isEqualTo(Duration.ofMillis(50));
        assertThat(result.get("sleptMs").asLong()).isEqualTo(1450);
    }

    @Test
    void sleepLooksForACancelBeforeEverySliceAndStopsAtTheFirstOne() throws Exception {
        AtomicBoolean cancelled = new AtomicBoolean();
        Sleeper cancelledDuringTheThirdSlice = duration -> {
            slept.add(duration);
            cancelled.set(slept.size() == 3);
        };
        TaskContext ctx = TaskContext.builder("sleep").payload(Map.of("ms", 60_000)).cancelled(cancelled::get).build();

        HandlerResult result = new SleepHandler(cancelledDuringTheThirdSlice).handle(ctx);

        assertThat(result).isEqualTo(HandlerResult.cancelled("cancelled after sleeping 300 of 60000 ms"));
        assertThat(slept).hasSize(3);
    }

    @Test
    void sleepOfACancelledTaskDoesNotSleepAtAll() throws Exception {
        TaskContext ctx = TaskContext.builder("sleep").payload(Map.of("ms", 500)).cancelled(() -> true).build();

        assertThat(new SleepHandler(sleeper).handle(ctx)).isInstanceOf(HandlerResult.Cancelled.class);
        assertThat(slept).isEmpty();
    }

    @Test
    void sleepWithoutMillisecondsDoesNotSleepAndNonsenseIsNotRetryable() throws Exception {
        completed(new SleepHandler(sleeper).handle(attempt("sleep", 1, Map.of())));
        assertThat(slept).isEmpty();

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
                        .containsExactlyInAnyOrder("noop", "log", "sleep", "fail", "email.send", "report.generate",
                                "http.request"));
    }

    @Test
    void theHttpClientOfHttpRequestIsShutDownWithTheContext() throws Exception {
        HttpRequestHandler[] http = new HttpRequestHandler[1];
        new ApplicationContextRunner()
                .withBean(java.time.Clock.class, () -> clock)
                .withConfiguration(AutoConfigurations.of(SampleHandlers.class))
                .withPropertyValues("taskstream.worker.sample-handlers=true")
                .run(ctx -> http[0] = ctx.getBean(HttpRequestHandler.class));

        HandlerResult afterClose = http[0].handle(attempt("http.request", 1, Map.of("url", "http://127.0.0.1:9/")));

        assertThat(afterClose).isInstanceOf(HandlerResult.Failed.class);
        // a client still open would try to connect and be refused (ConnectException)
        assertThat(((HandlerResult.Failed) afterClose).message()).endsWith("failed: IOException closed");
    }
}
