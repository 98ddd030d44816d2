package io.taskstream.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.serialization.StringSerializer;

import io.taskstream.embedded.EmbeddedInfrastructure;
import io.taskstream.embedded.Infrastructure;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;
import tools.jackson.databind.JsonNode;

/**
 * Taskstream as several processes on one machine: embedded Kafka / PostgreSQL / Redis in the test
 * JVM (or the machine's PostgreSQL and Redis, per the {@code TASKSTREAM_TEST_*} variables), and the
 * API, schedulers and workers each as its own JVM that a test may kill.
 */
final class TaskstreamSystem implements AutoCloseable {

    static final Duration START = Duration.ofSeconds(120);
    static final String ADMIN_KEY = "ts_e2e_" + "k".repeat(40);

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final EmbeddedInfrastructure servers;
    private final Infrastructure endpoints;
    private final List<ServiceProcess> processes = new ArrayList<>();
    private final int partitions;
    private ServiceProcess api;

    private TaskstreamSystem(EmbeddedInfrastructure servers, Infrastructure endpoints, int partitions) {
        this.servers = servers;
        this.endpoints = endpoints;
        this.partitions = partitions;
    }

    /** A system whose services create their topics with 3 partitions. */
    static TaskstreamSystem start() {
        return start(3);
    }

    static TaskstreamSystem start(int partitions) {
        EmbeddedInfrastructure servers = EmbeddedInfrastructure.startForTests();
        return new TaskstreamSystem(servers, servers.freshDatabase("e2e"), partitions);
    }

    /** Writes the submissions straight to their submit topics (as a producer of the user's would), then flushes. */
    void produce(List<TaskSubmission> submissions) {
        Topics topics = Topics.withDefaultPrefix();
        try (KafkaProducer<String, TaskSubmission> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), JsonSerde.of(TaskSubmission.class).serializer())) {
            for (TaskSubmission submission : submissions) {
                producer.send(new ProducerRecord<>(topics.submit(submission.priority()), submission.id().toString(),
                        submission));
            }
            producer.flush();
        }
    }

    /** A task of the default tenant at NORMAL priority, due at {@code runAt} (null: now). */
    static TaskSubmission submission(UUID id, String type, JsonNode payload, Instant runAt, Instant createdAt) {
        return new TaskSubmission(id, "default", type, payload, Priority.NORMAL, runAt, null, null, null, null, null,
                null, null, null, null, createdAt);
    }

    /**
     * Waits until the workers' consumer group is stable with {@code workers} members, each holding
     * ready partitions: work produced after this is shared by all of them.
     */
    void awaitWorkers(int workers) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafkaBootstrap()))) {
            org.awaitility.Awaitility.await().atMost(START).pollInterval(Duration.ofMillis(200)).until(() -> {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("taskstream-workers"))
                        .describedGroups().get("taskstream-workers").get();
                return group.groupState() == GroupState.STABLE && group.members().size() == workers
                        && group.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty());
            });
        }
    }

    /** How many rows a {@code select count(*) …} counts. */
    long count(String sql) throws SQLException {
        try (Connection db = database();
             java.sql.PreparedStatement query = db.prepareStatement(sql);
             java.sql.ResultSet rows = query.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("TASKSTREAM_KAFKA_BOOTSTRAP", endpoints.kafkaBootstrap());
        env.put("TASKSTREAM_DB_URL", endpoints.jdbcUrl());
        env.put("TASKSTREAM_DB_USER", endpoints.dbUser());
        env.put("TASKSTREAM_DB_PASSWORD", endpoints.dbPassword());
        env.put("TASKSTREAM_REDIS_URL", endpoints.redisUrl());
        env.put("TASKSTREAM_ADMIN_KEY", ADMIN_KEY);
        env.put("TASKSTREAM_TOPICS_PARTITIONS", String.valueOf(partitions));
        return env;
    }

    ServiceProcess startApi() {
        return startApi(Map.of());
    }

    /** The API with extra environment variables (they win over the defaults). */
    ServiceProcess startApi(Map<String, String> extraEnv) {
        api = start("ingest-api", "ingest-api", extraEnv);
        return api;
    }

    ServiceProcess startScheduler(String name) {
        return start(name, "scheduler-streams");
    }

    /** A scheduler with extra environment variables (they win over the defaults). */
    ServiceProcess startScheduler(String name, Map<String, String> extraEnv) {
        return start(name, "scheduler-streams", extraEnv);
    }

    /** A worker whose id is its name. */
    ServiceProcess startWorker(String name) {
        return startWorker(name, Map.of());
    }

    /** A worker whose id is its name, with extra environment variables (they win over the defaults). */
    ServiceProcess startWorker(String name, Map<String, String> extraEnv) {
        Map<String, String> env = new LinkedHashMap<>(Map.of("TASKSTREAM_WORKER_WORKERID", name));
        env.putAll(extraEnv);
        return start(name, "worker", env);
    }

    private ServiceProcess start(String name, String module) {
        return start(name, module, Map.of());
    }

    private ServiceProcess start(String name, String module, Map<String, String> extraEnv) {
        Map<String, String> env = env();
        env.putAll(extraEnv);
        ServiceProcess process = ServiceProcess.start(name, module, freePort(), env);
        processes.add(process);
        return process;
    }

    Infrastructure endpoints() {
        return endpoints;
    }

    String apiUrl() {
        return "http://127.0.0.1:" + api.port();
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(apiUrl() + path))
                .header("Authorization", "Bearer " + ADMIN_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(apiUrl() + path))
                .header("Authorization", "Bearer " + ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofString());
        return Json.mapper().readTree(response.body());
    }

    /** The task's id from a {@code 202}. */
    String submit(String json) throws IOException, InterruptedException {
        HttpResponse<String> response = post("/api/v1/tasks", json);
        if (response.statusCode() != 202) {
            throw new IllegalStateException("submission refused: " + response.statusCode() + " " + response.body());
        }
        return Json.mapper().readTree(response.body()).get("id").asString();
    }

    Connection database() throws SQLException {
        return DriverManager.getConnection(endpoints.jdbcUrl(), endpoints.dbUser(), endpoints.dbPassword());
    }

    @Override
    public void close() {
        for (ServiceProcess process : processes.reversed()) {
            process.close();
        }
        servers.close();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
