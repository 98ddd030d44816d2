package io.taskstream.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Headers;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Topics;
import tools.jackson.databind.JsonNode;

/**
 * The whole system in one JVM, as {@code ./taskstream dev} runs it: a task submitted over REST
 * travels REST → submit topic → scheduler → ready topic → worker → results/events → projection and
 * reads {@code COMPLETED}; a poison record written straight to a submit topic lands in {@code dlq}
 * and the pipeline keeps going.
 */
class DevStackIT {

    private static final Duration WITHIN = Duration.ofSeconds(60);

    @TempDir
    static Path workDir;

    private static DevStack stack;
    private static String banner;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Topics TOPICS = Topics.withDefaultPrefix();

    @BeforeAll
    static void start() {
        DevSettings settings = DevSettings.fromEnvironment(Map.of("TASKSTREAM_HTTP_PORT", "0")::get, workDir,
                new Random(7));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        stack = DevStackMain.launch(settings, new PrintStream(out, true, StandardCharsets.UTF_8));
        banner = out.toString(StandardCharsets.UTF_8);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aTaskSubmittedOverRestCompletesWithOneAttempt() throws Exception {
        HttpResponse<String> accepted = submit("{\"type\": \"log\", \"payload\": {\"message\": \"hello\"}}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        String id = json(accepted.body()).get("id").asString();
        assertThat(accepted.headers().firstValue("Location")).contains("/api/v1/tasks/" + id);

        JsonNode done = await().atMost(WITHIN).until(() -> json(get("/api/v1/tasks/" + id).body()),
                task -> "COMPLETED".equals(task.get("status").asString()));
        assertThat(done.get("attempts").asInt()).isEqualTo(1);
        assertThat(done.get("type").asString()).isEqualTo("log");
        assertThat(done.get("startedAt").isNull()).isFalse();
        assertThat(done.get("finishedAt").isNull()).isFalse();
    }

    @Test
    void anEncryptedTaskWorksOutOfTheBoxWithTheKeyGeneratedIntoTheWorkDir() throws Exception {
        HttpResponse<String> accepted = submit("{\"type\": \"email.send\", \"encrypt\": true, "
                + "\"payload\": {\"to\": \"a@example.com\", \"body\": \"dev-secret\"}}");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String id = json(accepted.body()).get("id").asString();

        JsonNode done = await().atMost(WITHIN).until(() -> json(get("/api/v1/tasks/" + id + "?include=payload").body()),
                task -> "COMPLETED".equals(task.get("status").asString()));
        assertThat(done.get("encrypted").asBoolean()).isTrue();
        assertThat(done.get("payload").get("body").asString()).isEqualTo("dev-secret");
        assertThat(done.get("result").get("messageId").asString()).isEqualTo("msg-" + id);
        java.nio.file.Path keys = workDir.resolve(DevKeys.FILE_NAME);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(keys))).isEqualTo("rw-------");
    }

    @Test
    void aPoisonRecordLandsInTheDlqAndTheNextTaskStillCompletes() throws Exception {
        String poisonKey = "poison-" + UUID.randomUUID();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig())) {
            producer.send(new ProducerRecord<>(TOPICS.submit(io.taskstream.schemas.Priority.NORMAL), poisonKey,
                    "this is not json {".getBytes(StandardCharsets.UTF_8))).get();
        }
        HttpResponse<String> accepted = submit("{\"type\": \"log\", \"payload\": {\"after\": \"poison\"}}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        String id = json(accepted.body()).get("id").asString();

        ConsumerRecord<String, byte[]> dead = awaitDeadLetter(poisonKey);
        assertThat(new String(dead.headers().lastHeader(Headers.ERROR).value(), StandardCharsets.UTF_8))
                .isEqualTo("unreadable_record");
        DeadLetter letter = Json.mapper().readValue(dead.value(), DeadLetter.class);
        assertThat(letter.source().value()).isEqualTo("this is not json {");
        assertThat(letter.source().topic()).isEqualTo("taskstream.submit.normal");

        await().atMost(WITHIN).until(() -> json(get("/api/v1/tasks/" + id).body()).get("status").asString(),
                "COMPLETED"::equals);
    }

    @Test
    void writesDevJsonAndPrintsWhereEverythingIs() throws Exception {
        JsonNode dev = Json.mapper().readTree(Files.readString(workDir.resolve("dev.json")));
        assertThat(dev.get("apiUrl").asString()).isEqualTo(stack.apiUrl()).startsWith("http://127.0.0.1:");
        assertThat(dev.get("schedulerUrl").asString()).isEqualTo(stack.schedulerUrl()).startsWith("http://127.0.0.1:");
        assertThat(dev.get("workerUrl").asString()).isEqualTo(stack.workerUrl().orElseThrow())
                .startsWith("http://127.0.0.1:");
        assertThat(dev.get("adminKey").asString()).isEqualTo(stack.adminKey()).matches(DevSettings.KEY_FORMAT);
        assertThat(dev.get("kafkaBootstrap").asString()).isEqualTo(stack.endpoints().kafkaBootstrap());
        assertThat(dev.get("jdbcUrl").asString()).startsWith("jdbc:postgresql://");
        assertThat(dev.get("redisUrl").asString()).startsWith("redis://");
        assertThat(banner).contains(stack.apiUrl() + "/api/v1", stack.adminKey(), "curl -s -X POST",
                "Ctrl-C stops everything");
    }

    @Test
    void theSchedulerAndTheWorkerServeTheirActuatorOnTheirOwnPorts() throws Exception {
        for (String url : List.of(stack.schedulerUrl(), stack.workerUrl().orElseThrow())) {
            assertThat(url).isNotEqualTo(stack.apiUrl());
            HttpResponse<String> liveness = HTTP.send(HttpRequest.newBuilder(URI.create(url
                    + "/actuator/health/liveness")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(liveness.statusCode()).as(url).isEqualTo(200);
        }
    }

    @Test
    void theApiRefusesRequestsWithoutTheKey() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.apiUrl() + "/api/v1/tasks/"
                + UUID.randomUUID())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
    }

    private static ConsumerRecord<String, byte[]> awaitDeadLetter(String key) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.endpoints().kafkaBootstrap());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "devstack-it-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(TOPICS.dlq()));
            List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
            return await().atMost(WITHIN).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.stream().filter(r -> key.equals(r.key())).findFirst();
            }, Optional::isPresent).orElseThrow();
        }
    }

    private static Map<String, Object> producerConfig() {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.endpoints().kafkaBootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    }

    private static HttpResponse<String> submit(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(stack.apiUrl() + "/api/v1/tasks"))
                .header("Authorization", "Bearer " + stack.adminKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(stack.apiUrl() + path))
                .header("X-API-Key", stack.adminKey()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(String body) {
        return Json.mapper().readTree(body);
    }
}
