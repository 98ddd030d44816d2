package io.taskstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpServer;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.taskstream.embedded.Infrastructure;
import io.taskstream.embedded.InfrastructureExtension;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Topics;
import tools.jackson.databind.JsonNode;

/**
 * The submit scenario against a real HTTP server on loopback (standing in for the API, which this
 * module does not depend on) and a real Kafka broker for the lag probes.
 */
@ExtendWith(InfrastructureExtension.class)
class SubmitScenarioIT {

    private final ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> keys = new ConcurrentLinkedQueue<>();
    private HttpServer server;
    private URI api;

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/api/v1/tasks", exchange -> {
            bodies.add(exchange.getRequestURI().getPath() + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            keys.add(exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().endsWith(":batch") ? 200 : 202, -1);
            exchange.close();
        });
        server.start();
        api = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void singleSubmissionsWithFreshIdempotencyKeysAndTheProjectionLagReported(Infrastructure infrastructure)
            throws Exception {
        Topics topics = new Topics("bench-" + UUID.randomUUID().toString().substring(0, 8) + ".");
        String projectionGroup = "projection-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                infrastructure.kafkaBootstrap()))) {
            admin.createTopics(topics.all().stream().map(t -> new NewTopic(t, 2, (short) 1)).toList()).all().get();
            produce(infrastructure.kafkaBootstrap(), topics.events(), 30);
            commit(infrastructure.kafkaBootstrap(), projectionGroup, new TopicPartition(topics.events(), 0), 0);
        }
        SubmitScenario scenario = new SubmitScenario(api, "ts_k", infrastructure.kafkaBootstrap(), 100,
                Duration.ZERO, Duration.ofMillis(300), 0, SubmitScenario.DEFAULT_BODY, true, topics,
                projectionGroup, "workers-" + UUID.randomUUID(), Duration.ofSeconds(1));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        OpenLoop.Result result = scenario.run(new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(result.count(202)).isEqualTo(30);
        assertThat(keys).containsOnly("Bearer ts_k");
        List<JsonNode> tasks = bodies.stream().map(b -> {
            assertThat(b).startsWith("/api/v1/tasks {");
            return Json.mapper().readTree(b.substring(b.indexOf(' ') + 1));
        }).toList();
        assertThat(tasks).allSatisfy(t -> {
            assertThat(t.get("type").asString()).isEqualTo("sleep");
            assertThat(t.get("idempotencyKey").asString()).startsWith("bench-");
        });
        assertThat(tasks.stream().map(t -> t.get("idempotencyKey").asString()).distinct()).hasSize(30);
        String report = out.toString(StandardCharsets.UTF_8);
        assertThat(report).contains("recorded 30 requests")
                .containsPattern("projection lag \\(group " + projectionGroup + " on .*events\\): max [1-9]\\d* events")
                .contains("projection caught up not within 1 s after the load")
                .containsPattern("host: \\d+ CPUs \\(.+\\); measured window: \\d+\\.\\d\\d of \\d+ cores busy, "
                        + "\\d+\\.\\d % stolen by the hypervisor");

        commit(infrastructure.kafkaBootstrap(), projectionGroup, new TopicPartition(topics.events(), 0), 30);
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        scenario.run(new PrintStream(again, true, StandardCharsets.UTF_8));
        assertThat(again.toString(StandardCharsets.UTF_8)).containsPattern("projection caught up \\d+\\.\\d s after");
    }

    @Test
    void batchesCarryTheGivenNumberOfTasks() throws Exception {
        SubmitScenario scenario = new SubmitScenario(api, "ts_k", null, 50, Duration.ZERO, Duration.ofMillis(100),
                3, "{\"type\": \"log\", \"payload\": {}}", false, Topics.withDefaultPrefix(), "p", "w",
                Duration.ofSeconds(1));

        OpenLoop.Result result = scenario.run(new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));

        assertThat(result.count(200)).isEqualTo(5);
        assertThat(bodies).hasSize(5).allSatisfy(b -> {
            assertThat(b).startsWith("/api/v1/tasks:batch ");
            JsonNode batch = Json.mapper().readTree(b.substring(b.indexOf(' ') + 1));
            assertThat(batch.get("tasks")).hasSize(3);
            assertThat(batch.get("tasks").get(2).get("type").asString()).isEqualTo("log");
        });
    }

    private static void produce(String bootstrap, String topic, int n) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v"));
            }
        }
    }

    private static void commit(String bootstrap, String group, TopicPartition partition, long offset) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.commitSync(Map.of(partition, new OffsetAndMetadata(offset)));
        }
    }
}
