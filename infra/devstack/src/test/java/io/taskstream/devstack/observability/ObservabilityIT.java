package io.taskstream.devstack.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
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
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.Topics;
import tools.jackson.databind.JsonNode;

/**
 * The cross-check of issue #9: every metric a dashboard or an alert rule reads is one the services
 * really export. A dev stack runs a small known workload — tasks that complete, one that succeeds on
 * its second attempt, one that fails for good and is dead-lettered, a delayed one, a cancelled one,
 * an unreadable record — and then the three {@code /actuator/prometheus} endpoints are scraped
 * (without an API key: they are open) and compared with the names the PromQL of
 * {@code infra/grafana/dashboards/*.json} and {@code infra/prometheus/rules/*.yml} selects.
 * Prometheus' own series ({@code up}, {@code ALERTS}) and the rules' recorded series are not the
 * services' to export.
 *
 * <p>The same stack shows one trace following a task through the whole system: the API's request
 * span, the scheduler's admission and dispatch, the worker's execution and the scheduler's decision,
 * with PostgreSQL and Redis calls as child spans — exported by each service's SDK, configured only by
 * standard {@code otel.*} settings (the {@code memory} exporter is {@link InMemorySpans}).
 */
class ObservabilityIT {

    private static final Duration WITHIN = Duration.ofSeconds(60);
    private static final Map<String, String> OTEL = Map.of(
            "otel.traces.exporter", "memory",
            "otel.traces.sampler", "always_on",
            "otel.bsp.schedule.delay", "50");
    private static final String CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String CALLER_SPAN = "b7ad6b7169203331";
    private static final AttributeKey<String> SERVICE = AttributeKey.stringKey("service.name");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path workDir;

    private static DevStack stack;

    @BeforeAll
    static void startAndRunAKnownWorkload() throws Exception {
        DevSettings settings = DevSettings.fromEnvironment(Map.of("TASKSTREAM_HTTP_PORT", "0")::get, workDir,
                new Random(9));
        OTEL.forEach(System::setProperty);
        try {
            stack = DevStack.start(settings);
        } finally {
            OTEL.keySet().forEach(System::clearProperty); // read once, at start-up: other tests keep the defaults
        }

        Map<String, String> expected = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            expected.put(submit("{\"type\": \"log\", \"payload\": {\"n\": " + i + "}}"), "COMPLETED");
        }
        expected.put(submit("{\"type\": \"sleep\", \"payload\": {\"ms\": 100}, \"priority\": \"HIGH\"}"), "COMPLETED");
        expected.put(submit("{\"type\": \"noop\", \"payload\": {}, \"priority\": \"LOW\"}"), "COMPLETED");
        expected.put(submit("{\"type\": \"fail\", \"payload\": {\"failTimes\": 1}, \"maxAttempts\": 3, "
                + "\"backoff\": {\"initial\": \"PT1S\", \"multiplier\": 1.0, \"max\": \"PT1S\", \"jitter\": 0}}"),
                "COMPLETED");
        expected.put(submit("{\"type\": \"fail\", \"payload\": {\"failTimes\": -1, \"retryable\": false}, "
                + "\"priority\": \"CRITICAL\"}"), "FAILED");
        expected.put(submit("{\"type\": \"log\", \"payload\": {}, \"delay\": \"PT2S\"}"), "COMPLETED");
        String cancelled = submit("{\"type\": \"log\", \"payload\": {}, \"delay\": \"PT1H\"}");
        expected.put(cancelled, "CANCELLED");
        await().atMost(WITHIN).until(() -> status(cancelled), "SCHEDULED"::equals);
        assertThat(send(request("/api/v1/tasks/" + cancelled).DELETE()).statusCode()).isEqualTo(202);
        writeUnreadableRecord();

        for (Map.Entry<String, String> task : expected.entrySet()) {
            await().atMost(WITHIN).until(() -> status(task.getKey()), task.getValue()::equals);
        }
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void eachServiceAnswersItsScrapeWithoutAnApiKey() throws Exception {
        for (Map.Entry<String, String> service : services().entrySet()) {
            HttpResponse<String> scrape = scrape(service.getValue());
            assertThat(scrape.statusCode()).as(service.getKey()).isEqualTo(200);
            assertThat(scrape.body()).as(service.getKey()).contains("# TYPE ");
            keep(service.getKey(), seriesNames(scrape.body()));
        }
    }

    @Test
    void everyMetricTheDashboardsAndAlertsReadIsExportedByTheServices() {
        List<OperatorFiles.Rule> rules = OperatorFiles.rules();
        Set<String> notOurs = OperatorFiles.notExportedByServices(rules);
        Map<String, Set<String>> readBy = new TreeMap<>();
        for (OperatorFiles.Dashboard dashboard : OperatorFiles.dashboards()) {
            dashboard.exprs().forEach(expr -> note(readBy, expr, "dashboard " + dashboard.name()));
        }
        rules.forEach(rule -> note(readBy, rule.expr(), (rule.recording() ? "record " : "alert ") + rule.name()));
        readBy.keySet().removeAll(notOurs);
        assertThat(readBy).as("metrics read by the dashboards").isNotEmpty();

        // counters and histograms appear with their first event; the scheduler counts a little after the view moves
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            Set<String> exported = exported();
            Map<String, Set<String>> missing = new TreeMap<>(readBy);
            missing.keySet().removeAll(exported);
            assertThat(missing).as("metrics read by a dashboard or an alert but exported by no service "
                    + "(name → who reads it)").isEmpty();
        });
    }

    @Test
    void oneTraceFollowsATaskFromTheApiThroughTheSchedulerToTheWorkerAndBack() throws Exception {
        String id = submit(request("/api/v1/tasks").header("traceparent", "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01"),
                "{\"type\": \"log\", \"payload\": {\"message\": \"traced\"}}");

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
        assertThat(trace).as("Redis, under the execution").anySatisfy(span -> {
            assertThat(span.getAttributes().get(AttributeKey.stringKey("db.system.name"))).isEqualTo("redis");
            assertThat(span.getParentSpanId()).isEqualTo(execute.getSpanId());
        });
        JsonNode task = Json.mapper().readTree(send(request("/api/v1/tasks/" + id)).body());
        assertThat(task.get("traceId").asString()).isEqualTo(CALLER_TRACE);
    }

    @Test
    void aTaskSubmittedWithoutATraceGetsOneAndItsViewShowsIt() throws Exception {
        HttpResponse<String> accepted = send(request("/api/v1/tasks").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"noop\", \"payload\": {}}")));
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

    private static void note(Map<String, Set<String>> readBy, String expr, String reader) {
        PromQl.metricNames(expr).forEach(name -> readBy.computeIfAbsent(name, k -> new TreeSet<>()).add(reader));
    }

    /** Every series name the three services export now; a copy of each scrape is kept under target/. */
    private static Set<String> exported() throws Exception {
        Set<String> names = new TreeSet<>();
        for (Map.Entry<String, String> service : services().entrySet()) {
            String body = scrape(service.getValue()).body();
            Set<String> own = seriesNames(body);
            names.addAll(own);
            keep(service.getKey(), own);
        }
        return names;
    }

    static Set<String> seriesNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }

    private static void keep(String service, Set<String> names) throws IOException {
        Path dir = Files.createDirectories(Path.of("target", "observability"));
        Files.write(dir.resolve(service + "-series.txt"), names);
    }

    private static Map<String, String> services() {
        Map<String, String> urls = new LinkedHashMap<>();
        urls.put("ingest-api", stack.apiUrl());
        urls.put("scheduler", stack.schedulerUrl());
        urls.put("worker", stack.workerUrl().orElseThrow());
        return urls;
    }

    private static HttpResponse<String> scrape(String baseUrl) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String submit(String body) throws Exception {
        return submit(request("/api/v1/tasks"), body);
    }

    private static String submit(HttpRequest.Builder request, String body) throws Exception {
        HttpResponse<String> accepted = send(request.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return Json.mapper().readTree(accepted.body()).get("id").asString();
    }

    private static String status(String id) throws Exception {
        return Json.mapper().readTree(send(request("/api/v1/tasks/" + id)).body()).get("status").asString();
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(stack.apiUrl() + path))
                .header("Authorization", "Bearer " + stack.adminKey());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A record no one can read on a submit topic: the scheduler dead-letters and counts it as rejected. */
    private static void writeUnreadableRecord() throws Exception {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.endpoints().kafkaBootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(Topics.withDefaultPrefix().submit(Priority.NORMAL),
                    "unreadable-" + UUID.randomUUID(), "not json {".getBytes(StandardCharsets.UTF_8))).get();
        }
    }
}
