package io.taskstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskIds;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue #4: {@code kill -9} a worker JVM in the middle of 200 running 2-second tasks. All 200 end
 * {@code COMPLETED} once in the projection, and no task ever ran on two workers at the same time.
 *
 * <p>The instrumented handler is the worker's real {@code http.request}: each task calls this
 * test's HTTP server, which does the 2 seconds of "work" itself and so sees every run of every
 * task, and counts any that overlap (two requests for one task in flight at once).
 */
class WorkerCrashIT {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerCrashIT.class);
    private static final int TASKS = 200;
    /** Fast failure detection and short leases, so the survivor takes over within seconds. */
    private static final Map<String, String> QUICK = Map.of(
            "SPRING_KAFKA_CONSUMER_PROPERTIES_SESSION_TIMEOUT_MS", "10000",
            "TASKSTREAM_WORKER_LEASETTL", "5s",
            "TASKSTREAM_WORKER_LEASERETRY", "200ms");

    private static TaskstreamSystem system;
    private static HttpServer work;
    private static final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private static final AtomicInteger runs = new AtomicInteger();
    private static final AtomicInteger overlaps = new AtomicInteger();

    @BeforeAll
    static void start() throws IOException {
        work = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        work.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        work.createContext("/work", WorkerCrashIT::work);
        work.start();
        system = TaskstreamSystem.start();
        ServiceProcess api = system.startApi();
        ServiceProcess scheduler = system.startScheduler("scheduler-1");
        api.awaitReady(TaskstreamSystem.START);
        scheduler.awaitReady(TaskstreamSystem.START);
    }

    @AfterAll
    static void stop() {
        if (system != null) {
            system.close();
        }
        if (work != null) {
            work.stop(0);
        }
    }

    /** Two seconds of work for one task; counts a run that overlaps another run of the same task. */
    private static void work(HttpExchange exchange) throws IOException {
        String task = exchange.getRequestURI().getQuery();
        AtomicInteger running = inFlight.computeIfAbsent(task, t -> new AtomicInteger());
        if (running.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
            LOG.error("task {} runs twice at once", task);
        }
        runs.incrementAndGet();
        try {
            Thread.sleep(2_000); // the task's work, not a wait in the test
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            running.decrementAndGet();
        }
        byte[] body = "{\"done\": true}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        try (OutputStream out = exchange.getResponseBody()) {
            exchange.sendResponseHeaders(200, body.length);
            out.write(body);
        } catch (IOException e) {
            // the worker that asked was killed
        }
    }

    @Test
    void killingAWorkerMidwayLosesNoTaskAndNeverRunsOneTwiceAtOnce() throws Exception {
        ServiceProcess doomed = system.startWorker("worker-doomed", QUICK);
        ServiceProcess survivor = system.startWorker("worker-survivor", QUICK);
        doomed.awaitReady(TaskstreamSystem.START);
        survivor.awaitReady(TaskstreamSystem.START);

        String url = "http://127.0.0.1:" + work.getAddress().getPort() + "/work?task-";
        Clock clock = Clock.systemUTC();
        Random random = new Random(7);
        Topics topics = Topics.withDefaultPrefix();
        try (KafkaProducer<String, TaskSubmission> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, system.endpoints().kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), JsonSerde.of(TaskSubmission.class).serializer())) {
            for (int i = 0; i < TASKS; i++) {
                UUID id = TaskIds.newId(clock, random);
                ObjectNode payload = JsonNodeFactory.instance.objectNode().put("url", url + i).put("method", "POST")
                        .put("timeoutMs", 20_000);
                producer.send(new ProducerRecord<>(topics.submit(Priority.NORMAL), id.toString(),
                        new TaskSubmission(id, "default", "http.request", payload, Priority.NORMAL, null, null, null,
                                null, null, null, null, null, null, null, clock.instant())));
            }
        }
        // kill -9 while most of the tasks run (two workers of 100 slots run them all at once)
        await().atMost(Duration.ofMinutes(2)).until(() -> inFlight.values().stream().mapToInt(AtomicInteger::get).sum()
                >= TASKS * 3 / 4);
        doomed.kill();
        LOG.info("killed a worker with {} runs started so far", runs.get());

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> count("select count(*) from tasks where status = 'COMPLETED'"), n -> n == TASKS);

        assertThat(overlaps).as("runs of one task at the same time").hasValue(0);
        assertThat(count("select count(*) from (select task_id from task_executions where outcome = 'COMPLETED'"
                + " group by task_id having count(*) = 1) once")).as("tasks completed exactly once").isEqualTo(TASKS);
        assertThat(inFlight).as("every task was run").hasSize(TASKS);
        LOG.info("{} tasks, {} runs of the work (runs cut short by the kill are run again)", TASKS, runs.get());
    }

    private static long count(String sql) throws Exception {
        try (Connection db = system.database();
             PreparedStatement query = db.prepareStatement(sql);
             ResultSet rows = query.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
