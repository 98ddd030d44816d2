package io.taskstream.worker.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.taskstream.schemas.Json;
import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.TaskContext;
import tools.jackson.databind.JsonNode;

/** {@code http.request} against a real HTTP server on the loopback interface; nothing is mocked. */
@Timeout(30)
class HttpRequestHandlerTest {

    @RegisterExtension
    final LocalHttpServer server = new LocalHttpServer();

    final HttpRequestHandler http = new HttpRequestHandler();

    @AfterEach
    void closeTheClient() {
        http.close();
    }

    static TaskContext task(Map<String, ?> payload) {
        return TaskContext.builder("http.request").payload(payload).build();
    }

    static JsonNode completed(HandlerResult result) {
        assertThat(result).isInstanceOf(HandlerResult.Completed.class);
        return ((HandlerResult.Completed) result).result();
    }

    static HandlerResult.Failed failed(HandlerResult result) {
        assertThat(result).isInstanceOf(HandlerResult.Failed.class);
        return (HandlerResult.Failed) result;
    }

    @Test
    void aJsonResponseCompletesWithItsStatusSelectedHeadersAndParsedBody() throws Exception {
        server.answer("/orders/7", 200, Map.of("Content-Type", "application/json", "ETag", "\"v3\"",
                "Set-Cookie", "session=s3cr3t"), "{\"id\": 7, \"items\": [\"a\", \"b\"]}");

        JsonNode result = completed(http.handle(task(Map.of("url", server.url("/orders/7"),
                "headers", Map.of("Accept", "application/json", "X-Request-Id", "r-1")))));

        assertThat(result.get("status").asInt()).isEqualTo(200);
        assertThat(result.get("body").get("id").asInt()).isEqualTo(7);
        assertThat(result.get("body").get("items").get(1).asString()).isEqualTo("b");
        assertThat(result.get("truncated").asBoolean()).isFalse();
        assertThat(result.get("headers").get("content-type").asString()).isEqualTo("application/json");
        assertThat(result.get("headers").get("etag").asString()).isEqualTo("\"v3\"");
        assertThat(result.get("headers").has("set-cookie")).as("cookies stay out of results").isFalse();
        LocalHttpServer.Request request = server.requests().getFirst();
        assertThat(request.method()).isEqualTo("GET");
        assertThat(request.headers().getFirst("X-Request-Id")).isEqualTo("r-1");
    }

    @Test
    void aTextResponseCompletesWithTheBodyAsAStringInItsCharset() throws Exception {
        server.answer("/hello", 200, "text/plain; charset=UTF-8", "hello, wörld");
        server.answer("/not-json", 200, "application/json", "{broken");

        assertThat(completed(http.handle(task(Map.of("url", server.url("/hello"))))).get("body").asString())
                .isEqualTo("hello, wörld");
        assertThat(completed(http.handle(task(Map.of("url", server.url("/not-json"))))).get("body").asString())
                .as("a body that claims to be JSON but is not is still shown").isEqualTo("{broken");
    }

    @Test
    void postSendsAJsonBodyAsApplicationJson() throws Exception {
        server.echo("/echo");

        JsonNode result = completed(http.handle(task(Map.of("url", server.url("/echo"), "method", "post",
                "body", Map.of("name", "Ada", "tags", List.of("x"))))));

        JsonNode echoed = result.get("body");
        assertThat(echoed.get("method").asString()).isEqualTo("POST");
        assertThat(echoed.get("contentType").asString()).isEqualTo("application/json");
        assertThat(Json.mapper().readTree(echoed.get("body").asString()))
                .isEqualTo(Json.mapper().readTree("{\"name\": \"Ada\", \"tags\": [\"x\"]}"));
    }

    @Test
    void aStringBodyIsSentAsTextUnlessTheHeadersSayOtherwise() throws Exception {
        server.echo("/echo");

        JsonNode text = completed(http.handle(task(Map.of("url", server.url("/echo"), "method", "PUT",
                "body", "plain words")))).get("body");
        JsonNode csv = completed(http.handle(task(Map.of("url", server.url("/echo"), "method", "PATCH",
                "headers", Map.of("content-type", "text/csv"), "body", "a,b")))).get("body");

        assertThat(text.get("contentType").asString()).isEqualTo("text/plain; charset=utf-8");
        assertThat(text.get("body").asString()).isEqualTo("plain words");
        assertThat(csv.get("method").asString()).isEqualTo("PATCH");
        assertThat(csv.get("contentType").asString()).isEqualTo("text/csv");
        assertThat(csv.get("body").asString()).isEqualTo("a,b");
    }

    @Test
    void headAndDeleteAnswerWithoutABody() throws Exception {
        server.answer("/thing", 204, (String) null, null);
        server.answer("/head", 200, "text/plain", "ignored for HEAD");

        JsonNode deleted = completed(http.handle(task(Map.of("url", server.url("/thing"), "method", "DELETE"))));
        JsonNode head = completed(http.handle(task(Map.of("url", server.url("/head"), "method", "HEAD"))));

        assertThat(deleted.get("status").asInt()).isEqualTo(204);
        assertThat(deleted.get("body").isNull()).isTrue();
        assertThat(head.get("status").asInt()).isEqualTo(200);
        assertThat(head.get("body").isNull()).isTrue();
        assertThat(server.requests()).extracting(LocalHttpServer.Request::method).containsExactly("DELETE", "HEAD");
    }

    @Test
    void notFoundFailsForGoodAndTheMessageLeavesOutTheQueryString() throws Exception {
        server.answer("/missing", 404, "text/plain", "no such thing");

        HandlerResult.Failed failure = failed(http.handle(task(Map.of("url", server.url("/missing?api_key=s3cr3t")))));

        assertThat(failure.code()).isEqualTo("http_status");
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.message()).isEqualTo("GET " + server.url("/missing") + " answered 404")
                .doesNotContain("s3cr3t");
        assertThat(server.requests().getFirst().query()).as("the query was sent").isEqualTo("api_key=s3cr3t");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {500, 502, 503, 429, 408})
    void serverErrorsTooManyRequestsAndRequestTimeoutsFailRetryable(int status) throws Exception {
        server.answer("/busy", status, "text/plain", "try later");

        HandlerResult.Failed failure = failed(http.handle(task(Map.of("url", server.url("/busy")))));

        assertThat(failure.code()).isEqualTo("http_status");
        assertThat(failure.retryable()).isTrue();
        assertThat(failure.message()).endsWith("answered " + status);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {400, 401, 403, 409, 422})
    void otherClientErrorsFailForGood(int status) throws Exception {
        server.answer("/no", status, "text/plain", "no");

        assertThat(failed(http.handle(task(Map.of("url", server.url("/no")))))).satisfies(failure -> {
            assertThat(failure.code()).isEqualTo("http_status");
            assertThat(failure.retryable()).isFalse();
        });
    }

    @Test
    void expectStatusDecidesWhichStatusesComplete() throws Exception {
        server.answer("/gone", 404, "application/json", "{\"gone\": true}");
        server.answer("/created", 201, "text/plain", "made");
        server.answer("/down", 503, "text/plain", "down");

        JsonNode gone = completed(http.handle(task(Map.of("url", server.url("/gone"), "expectStatus", List.of(404, 410)))));
        HandlerResult.Failed created = failed(http.handle(task(Map.of("url", server.url("/created"),
                "expectStatus", List.of(200)))));
        HandlerResult.Failed down = failed(http.handle(task(Map.of("url", server.url("/down"),
                "expectStatus", List.of(200)))));

        assertThat(gone.get("status").asInt()).isEqualTo(404);
        assertThat(gone.get("body").get("gone").asBoolean()).isTrue();
        assertThat(created.retryable()).isFalse();
        assertThat(created.message()).endsWith("answered 201, expected one of [200]");
        assertThat(down.retryable()).as("a 5xx stays worth retrying").isTrue();
    }

    @Test
    void noAnswerWithinTheTimeoutFailsRetryable() throws Exception {
        server.hang("/slow");
        long started = System.nanoTime();

        HandlerResult.Failed failure = failed(http.handle(task(Map.of("url", server.url("/slow"), "timeoutMs", 300))));

        assertThat(failure.code()).isEqualTo("http_timeout");
        assertThat(failure.retryable()).isTrue();
        assertThat(failure.message()).isEqualTo("GET " + server.url("/slow") + " did not answer within 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(5));
    }

    @Test
    void aTimeoutAlsoBoundsABodyThatNeverEnds() throws Exception {
        server.route("/trickle", exchange -> {
            exchange.sendResponseHeaders(200, 0); // chunked: headers now, the body never finishes
            exchange.getResponseBody().write("first bytes".getBytes());
            exchange.getResponseBody().flush();
            server.awaitTestOver();
        });

        HandlerResult.Failed failure = failed(http.handle(task(Map.of("url", server.url("/trickle"), "timeoutMs", 300))));

        assertThat(failure.code()).isEqualTo("http_timeout");
        assertThat(failure.retryable()).isTrue();
    }

    @Test
    void aRefusedConnectionFailsRetryable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        HandlerResult.Failed failure = failed(http.handle(task(Map.of("url", "http://127.0.0.1:" + closedPort + "/x"))));

        assertThat(failure.code()).isEqualTo("http_error");
        assertThat(failure.retryable()).isTrue();
        assertThat(failure.message()).startsWith("GET http://127.0.0.1:" + closedPort + "/x failed: ");
    }

    @Test
    void aLargeBodyIsCutAtTheLimitAndMarkedTruncated() throws Exception {
        String big = "x".repeat(5_000);
        server.answer("/big", 200, "application/json", "\"" + big + "\"");
        server.answer("/exact", 200, "text/plain", "y".repeat(1_024));
        try (HttpRequestHandler limited = new HttpRequestHandler(HttpClient.newHttpClient(), 1_024)) {

            JsonNode cut = completed(limited.handle(task(Map.of("url", server.url("/big")))));
            JsonNode exact = completed(limited.handle(task(Map.of("url", server.url("/exact")))));

            assertThat(cut.get("truncated").asBoolean()).isTrue();
            assertThat(cut.get("body").asString()).as("cut JSON is shown as text").hasSize(1_024).startsWith("\"xxx");
            assertThat(exact.get("truncated").asBoolean()).isFalse();
            assertThat(exact.get("body").asString()).hasSize(1_024);
        }
    }

    @Test
    void aCancelledTaskAbandonsTheCallInFlight() throws Exception {
        server.hang("/slow");
        AtomicInteger asked = new AtomicInteger();
        TaskContext ctx = TaskContext.builder("http.request").payload(Map.of("url", server.url("/slow"), "timeoutMs", 20_000))
                .cancelled(() -> asked.incrementAndGet() > 2).build();
        long started = System.nanoTime();

        HandlerResult result = http.handle(ctx);

        assertThat(result).isEqualTo(HandlerResult.cancelled("GET " + server.url("/slow")
                + " abandoned: the task was cancelled"));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void anInterruptedHandlerAbandonsTheCallAndRethrows() throws Exception {
        server.hang("/slow");
        CompletableFuture<HandlerResult> running = new CompletableFuture<>();
        Thread handler = Thread.ofVirtual().start(() -> {
            try {
                running.complete(http.handle(task(Map.of("url", server.url("/slow"), "timeoutMs", 20_000))));
            } catch (Throwable e) {
                running.completeExceptionally(e);
            }
        });
        server.awaitHangingCaller();

        handler.interrupt();

        assertThat(running).failsWithin(5, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(InterruptedException.class);
    }

    static List<Arguments> invalidPayloads() {
        Map<String, Object> nullUrl = new HashMap<>();
        nullUrl.put("url", null);
        return List.of(
                Arguments.of("no url", Map.of(), "http.request needs a \"url\""),
                Arguments.of("null url", nullUrl, "http.request needs a \"url\""),
                Arguments.of("not a URI", Map.of("url", "http://exa mple.com/"), "url is not a valid URI: Illegal character in authority at index 10"),
                Arguments.of("relative", Map.of("url", "/just/a/path"), "url must be http or https, was relative"),
                Arguments.of("ftp", Map.of("url", "ftp://example.com/file"), "url must be http or https, was ftp"),
                Arguments.of("file", Map.of("url", "file:///etc/passwd"), "url must be http or https, was file"),
                Arguments.of("no host", Map.of("url", "http:///path"), "url must name a host"),
                Arguments.of("method", Map.of("url", "http://example.com", "method", "FETCH"),
                        "method must be one of [DELETE, GET, HEAD, PATCH, POST, PUT], was FETCH"),
                Arguments.of("timeout 0", Map.of("url", "http://example.com", "timeoutMs", 0),
                        "timeoutMs must be between 1 and 86400000, was 0"),
                Arguments.of("HEAD with body", Map.of("url", "http://example.com", "method", "HEAD", "body", "x"),
                        "a HEAD request has no body"),
                Arguments.of("restricted header", Map.of("url", "http://example.com", "headers", Map.of("Host", "evil")),
                        "header \"Host\" cannot be sent (a restricted name, or a name or value with characters HTTP does not allow)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPayloads")
    void aPayloadThatCannotMakeARequestFailsForGoodWithoutACall(String name, Map<String, Object> payload, String message)
            throws Exception {
        HandlerResult.Failed failure = failed(http.handle(task(payload)));

        assertThat(failure.code()).isEqualTo("invalid_payload");
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.message()).isEqualTo(message);
    }

    @Test
    void aPayloadOfTheWrongShapeIsInvalid() throws Exception {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("url", server.url("/x"));
        payload.put("headers", List.of("Authorization: Bearer s3cr3t"));

        HandlerResult.Failed failure = failed(http.handle(task(payload)));

        assertThat(failure.code()).isEqualTo("invalid_payload");
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.message()).doesNotContain("s3cr3t");
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void aHeaderValueHttpCannotCarryIsNamedButNeverRepeated() throws Exception {
        HandlerResult.Failed failure = failed(http.handle(task(Map.of("url", server.url("/x"),
                "headers", Map.of("Authorization", "Bearer s3cr3t\r\nX-Injected: 1")))));

        assertThat(failure.code()).isEqualTo("invalid_payload");
        assertThat(failure.message()).contains("\"Authorization\"").doesNotContain("s3cr3t");
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void theMessageUrlHasNoUserInfoQueryOrFragment() {
        assertThat(HttpRequestHandler.redacted(URI.create("https://user:pw@api.example.com:8443/v1/x?key=k#frag")))
                .isEqualTo("https://api.example.com:8443/v1/x");
        assertThat(HttpRequestHandler.redacted(URI.create("http://example.com")))
                .isEqualTo("http://example.com");
    }
}
