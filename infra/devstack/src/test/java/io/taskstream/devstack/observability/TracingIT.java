package io.taskstream.devstack.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.taskstream.devstack.DevSettings;
import io.taskstream.devstack.DevStack;
import io.taskstream.schemas.Json;
import tools.jackson.databind.JsonNode;

/**
 * One trace follows one task through the whole system: the API's request span, the scheduler's
 * admission and dispatch, the worker's execution and the scheduler's decision, with PostgreSQL and
 * Redis calls as child spans — exported by each service's SDK, configured only by standard
 * {@code otel.*} settings (the {@code memory} exporter is {@link InMemorySpans}).
 */
class TracingIT {

    private static final String CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String CALLER_SPAN = "b7ad6b7169203331";
    private static final Map<String, String> OTEL = Map.of(
            "otel.traces.exporter", "memory",
            "otel.traces.sampler", "always_on",
            "otel.bsp.schedule.delay", "50");
    private static final Duration WITHIN = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final AttributeKey<String> SERVICE = AttributeKey.stringKey("service.name");

    @TempDir
    static Path workDir;

    private static DevStack stack;

    @BeforeAll
    static void start() {
        OTEL.forEach(System::setProperty);
        try {
            DevSettings settings = DevSettings.fromEnvironment(Map.of("TASKSTREAM_HTTP_PORT", "0")::get, workDir,
                    new Random(11));
            stack = DevStack.start(settings);
        } finally {
            OTEL.keySet().forEach(System::clearProperty); // read once, at start-up: other tests keep the defaults
        }
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void oneTraceFollowsATaskFromTheApiThroughTheSchedulerToTheWorkerAndBack() throws Exception {
        HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(stack.apiUrl() + "/api/v1/tasks"))
                .header("Authorization", "Bearer " + stack.adminKey()).header("Content-Type", "application/json")
                .header("traceparent", "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"log\", \"payload\": {\"message\": \"traced\"}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String id = Json.mapper().readTree(accepted.body()).get("id").asString();

        List<SpanData> trace = await().atMost(WITHIN).until(() -> traceOf(CALLER_TRACE),
                spans -> names(spans).containsAll(Set.of("POST /api/v1/tasks", "admit", "dispatch log", "execute log",
                        "decide result")));

        SpanData request = one(trace, "POST /api/v1/tasks");
        assertThat(request.getParentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(request.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(request.getResource().getAttribute(SERVICE)).isEqualTo("ingest-api");
        SpanData admit = one(trace, "admit");
        assertThat(admit.getParentSpanId()).as("the submit record carries the request's span").isEqualTo(request.getSpanId());
        assertThat(admit.getResource().getAttribute(SERVICE)).isEqualTo("taskstream-scheduler");
        SpanData dispatch = one(trace, "dispatch log");
        assertThat(dispatch.getParentSpanId()).isEqualTo(admit.getSpanId());
        SpanData execute = one(trace, "execute log");
        assertThat(execute.getParentSpanId()).as("the ready record carries the dispatch").isEqualTo(dispatch.getSpanId());
        assertThat(execute.getResource().getAttribute(SERVICE)).isEqualTo("taskstream-worker");
        assertThat(execute.getAttributes().get(AttributeKey.stringKey("taskstream.task.id"))).isEqualTo(id);
        assertThat(one(trace, "decide result").getParentSpanId()).as("the result carries the execution")
                .isEqualTo(execute.getSpanId());

        assertThat(trace).as("PostgreSQL, under the request").anySatisfy(span -> {
            assertThat(span.getAttributes().asMap().toString()).contains("postgresql");
            assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
        });
        assertThat(trace).as("Redis, under the request and the execution").anySatisfy(span -> {
            assertThat(span.getAttributes().get(AttributeKey.stringKey("db.system.name"))).isEqualTo("redis");
            assertThat(span.getParentSpanId()).isEqualTo(execute.getSpanId());
        });

        JsonNode task = Json.mapper().readTree(HTTP.send(HttpRequest.newBuilder(
                        URI.create(stack.apiUrl() + "/api/v1/tasks/" + id))
                .header("Authorization", "Bearer " + stack.adminKey()).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertThat(task.get("traceId").asString()).isEqualTo(CALLER_TRACE);
    }

    @Test
    void aTaskSubmittedWithoutATraceGetsOneAndItsViewShowsIt() throws Exception {
        HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(stack.apiUrl() + "/api/v1/tasks"))
                .header("Authorization", "Bearer " + stack.adminKey()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"noop\", \"payload\": {}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String traceId = Json.mapper().readTree(accepted.body()).get("traceId").asString();
        assertThat(traceId).matches("[0-9a-f]{32}");

        await().atMost(WITHIN).until(() -> names(traceOf(traceId)).containsAll(Set.of("POST /api/v1/tasks",
                "execute noop")));
    }

    private static List<SpanData> traceOf(String traceId) {
        return InMemorySpans.SPANS.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }

    private static Set<String> names(List<SpanData> spans) {
        return spans.stream().map(SpanData::getName).collect(Collectors.toSet());
    }

    private static SpanData one(List<SpanData> trace, String name) {
        List<SpanData> named = trace.stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(named).as("spans named %s in %s", name, names(trace)).hasSize(1);
        return named.getFirst();
    }
}
