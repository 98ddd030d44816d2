package io.taskstream.worker.handler.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.NonRetryableException;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskstreamHandler;
import tools.jackson.databind.JsonNode;

/**
 * How a {@link TaskstreamHandler} method runs as a handler: which signatures are accepted, what each
 * parameter gets, what each return type means, and that exceptions come out as the method threw
 * them, for the worker to classify.
 */
class MethodTaskHandlerTest {

    record Email(String to, String subject) {
    }

    record Sent(String messageId) {
    }

    static final NonRetryableException NO_ADDRESS = new NonRetryableException("no address");

    /** A package-private class, as users write them: its public methods are still callable. */
    static class Mailer {

        @TaskstreamHandler("context.only")
        public HandlerResult contextOnly(TaskContext ctx) {
            return HandlerResult.completed(Map.of("attempt", ctx.attempt()));
        }

        @TaskstreamHandler("payload.then.context")
        public Sent payloadThenContext(Email email, TaskContext ctx) {
            return new Sent(email.to() + "/" + ctx.taskId());
        }

        @TaskstreamHandler("context.then.payload")
        public Map<String, Object> contextThenPayload(TaskContext ctx, Email email) {
            return Map.of("subject", email.subject(), "type", ctx.type());
        }

        @TaskstreamHandler("payload.as.node")
        public JsonNode payloadAsNode(JsonNode payload) {
            return payload;
        }

        @TaskstreamHandler("nothing")
        public void nothing() {
        }

        @TaskstreamHandler("returns.null")
        public Sent returnsNull(Email email) {
            return null;
        }

        @TaskstreamHandler("returns.result.as.object")
        public Object returnsResultAsObject() {
            return HandlerResult.failed("upstream_rejected", "no", false);
        }

        @TaskstreamHandler("returns.null.result")
        public HandlerResult returnsNullResult() {
            return null;
        }

        @TaskstreamHandler("throws.non.retryable")
        public void throwsNonRetryable() {
            throw NO_ADDRESS;
        }

        @TaskstreamHandler("throws.checked")
        public void throwsChecked() throws IOException {
            throw new IOException("disk gone");
        }

        @TaskstreamHandler("throws.error")
        public void throwsError() {
            throw new StackOverflowError("deep");
        }

        @TaskstreamHandler("static")
        public static void isStatic(TaskContext ctx) {
        }

        @TaskstreamHandler("not.public")
        void notPublic(TaskContext ctx) {
        }

        @TaskstreamHandler("two.payloads")
        public void twoPayloads(Email email, Sent sent) {
        }

        @TaskstreamHandler("two.contexts")
        public void twoContexts(TaskContext a, TaskContext b) {
        }

        @TaskstreamHandler("payload.as.string")
        public void payloadAsString(String payload) {
        }

        @TaskstreamHandler("payload.as.list")
        public void payloadAsList(List<String> payload) {
        }

        @TaskstreamHandler("payload.as.int")
        public void payloadAsInt(int payload) {
        }

        @TaskstreamHandler("many.wrongs")
        static void manyWrongs(TaskContext a, TaskContext b) {
        }

        @TaskstreamHandler("returns.future")
        public CompletableFuture<Sent> returnsFuture(Email email) {
            return CompletableFuture.completedFuture(new Sent("m"));
        }
    }

    final Mailer mailer = new Mailer();

    static Method method(String name) {
        return Arrays.stream(Mailer.class.getDeclaredMethods()).filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow();
    }

    static HandlerMethod handlerMethod(String name) {
        Method method = method(name);
        return HandlerMethod.of("mailer", method, method.getAnnotation(TaskstreamHandler.class));
    }

    MethodTaskHandler handler(String name) {
        return new MethodTaskHandler(handlerMethod(name), mailer);
    }

    static TaskContext task(String type, Object payload) {
        return TaskContext.builder(type).payload(payload).attempt(2).build();
    }

    @Test
    void itRunsTasksOfTheTypeTheAnnotationNames() {
        assertThat(handler("payloadThenContext").type()).isEqualTo("payload.then.context");
    }

    @Test
    void aMethodTakingTheContextGetsTheAttemptsContextAndItsHandlerResultIsUsedAsItIs() throws Exception {
        assertThat(handler("contextOnly").handle(task("context.only", Map.of())))
                .isEqualTo(HandlerResult.completed(Map.of("attempt", 2)));
    }

    @Test
    void thePayloadIsBoundToTheParameterTypeInWhicheverPlaceTheMethodTakesIt() throws Exception {
        TaskContext ctx = task("payload.then.context", Map.of("to", "a@example.com", "subject", "Hi", "extra", 1));

        assertThat(handler("payloadThenContext").handle(ctx))
                .isEqualTo(HandlerResult.completed(Map.of("messageId", "a@example.com/" + ctx.taskId())));
        assertThat(handler("contextThenPayload").handle(ctx))
                .isEqualTo(HandlerResult.completed(Map.of("subject", "Hi", "type", "payload.then.context")));
    }

    @Test
    void aJsonNodeParameterGetsThePayloadAsItIs() throws Exception {
        TaskContext ctx = task("payload.as.node", Map.of("n", 1));

        assertThat(handler("payloadAsNode").handle(ctx)).isEqualTo(HandlerResult.completed(ctx.payload()));
    }

    @Test
    void aPayloadThatDoesNotFitTheParameterFailsTheAttemptForGood() {
        assertThatThrownBy(() -> handler("payloadThenContext").handle(task("payload.then.context",
                Map.of("to", Map.of("nested", true)))))
                .isInstanceOf(NonRetryableException.class)
                .hasMessageContaining("is not a valid Email");
    }

    @Test
    void aVoidMethodCompletesWithoutAResult() throws Exception {
        assertThat(handler("nothing").handle(task("nothing", Map.of()))).isEqualTo(HandlerResult.completed());
    }

    @Test
    void aValueReturnedBecomesTheResultAndNullMeansNone() throws Exception {
        assertThat(handler("returnsNull").handle(task("returns.null", Map.of("to", "a@example.com"))))
                .isEqualTo(HandlerResult.completed());
    }

    @Test
    void aHandlerResultReturnedAsAnObjectIsStillUsedAsItIs() throws Exception {
        assertThat(handler("returnsResultAsObject").handle(task("returns.result.as.object", Map.of())))
                .isEqualTo(HandlerResult.failed("upstream_rejected", "no", false));
    }

    @Test
    void aHandlerResultMethodReturningNullFailsTheAttemptForGoodNamingTheMethod() throws Exception {
        assertThat(handler("returnsNullResult").handle(task("returns.null.result", Map.of())))
                .isEqualTo(HandlerResult.failed("handler_error", "method " + Mailer.class.getName()
                        + ".returnsNullResult() of bean 'mailer' returned null instead of a HandlerResult", false));
    }

    @Test
    void exceptionsReachTheWorkerAsTheMethodThrewThemNotWrapped() {
        assertThatThrownBy(() -> handler("throwsNonRetryable").handle(task("throws.non.retryable", Map.of())))
                .isSameAs(NO_ADDRESS);
        assertThatThrownBy(() -> handler("throwsChecked").handle(task("throws.checked", Map.of())))
                .isExactlyInstanceOf(IOException.class).hasMessage("disk gone");
        assertThatThrownBy(() -> handler("throwsError").handle(task("throws.error", Map.of())))
                .isExactlyInstanceOf(StackOverflowError.class).hasMessage("deep");
    }

    @Test
    void itIsNamedByItsMethodAndBean() {
        assertThat(handler("payloadThenContext")).hasToString("method " + Mailer.class.getName()
                + ".payloadThenContext(Email, TaskContext) of bean 'mailer'");
    }

    @Test
    void aMethodOfTheWrongShapeIsRefusedWithAMessageNamingBeanMethodAndWhatIsWrong() {
        Map<String, String> wrong = Map.of(
                "isStatic", "must not be static",
                "notPublic", "must be public",
                "twoPayloads", "takes more than one payload parameter",
                "twoContexts", "takes more than one TaskContext",
                "payloadAsString", "takes the payload as String, but a payload is a JSON object",
                "payloadAsList", "takes the payload as List, but a payload is a JSON object",
                "payloadAsInt", "takes the payload as int, but a payload is a JSON object",
                "returnsFuture", "returns a CompletableFuture, but handlers run on a thread of their own");
        wrong.forEach((name, problem) -> assertThatThrownBy(() -> handlerMethod(name))
                .as(name)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("@TaskstreamHandler(\"" + method(name).getAnnotation(TaskstreamHandler.class)
                        .value() + "\") method " + Mailer.class.getName() + "." + name + "(")
                .hasMessageContaining(") of bean 'mailer' ")
                .hasMessageContaining(problem));
    }

    @Test
    void everyProblemOfAMethodIsNamedAtOnce() {
        assertThatThrownBy(() -> handlerMethod("manyWrongs")).hasMessageEndingWith(
                ") of bean 'mailer' must not be static, must be public, takes more than one TaskContext");
    }

    interface Notifier {
        @TaskstreamHandler("notify.declared")
        HandlerResult declared(TaskContext ctx);
    }

    static class BaseNotifier {
        @TaskstreamHandler("notify.inherited")
        public void inherited() {
        }
    }

    static class SmsNotifier extends BaseNotifier implements Notifier {
        @Override
        public HandlerResult declared(TaskContext ctx) {
            return HandlerResult.completed();
        }

        public void notAHandler() {
        }
    }

    @Test
    void annotatedMethodsAreFoundOnTheClassItsSuperclassesAndItsInterfacesOnce() {
        assertThat(HandlerMethod.annotatedMethods(SmsNotifier.class).values())
                .extracting(TaskstreamHandler::value)
                .containsExactlyInAnyOrder("notify.declared", "notify.inherited");
        assertThat(HandlerMethod.annotatedMethods(String.class)).isEmpty();
    }
}
