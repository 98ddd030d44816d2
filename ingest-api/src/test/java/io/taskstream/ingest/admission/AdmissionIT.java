package io.taskstream.ingest.admission;

import static io.taskstream.ingest.TestApi.assertProblem;
import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.IngestApiApplication;
import io.taskstream.ingest.ApiWithKafkaIt;
import io.taskstream.ingest.ItSupport;
import io.taskstream.schemas.Priority;

/**
 * Admission control against a real broker, with a NORMAL limit of 5 and no worker: the test plays the
 * scheduler (it writes dispatches to {@code ready.normal}) and the workers (a consumer of their group
 * commits past them).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.name=" + IngestApiApplication.CONFIG_NAME,
        "taskstream.ingest.queue-limits.normal=5",
        "taskstream.ingest.queue-depth-refresh=PT0.2S",
        "taskstream.ingest.retry-after=PT3S"})
class AdmissionIT extends ApiWithKafkaIt {

    static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    static final String WORKERS = "workers-" + SUFFIX;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(AdmissionIT.class, registry);
        registry.add("taskstream.ingest.admin-tenant", () -> "admission-" + SUFFIX);
        registry.add("taskstream.ingest.worker-group-id", () -> WORKERS);
    }

    @Autowired
    QueueDepths depths;
    @Autowired
    MeterRegistry meters;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    KafkaAdmin kafkaAdmin;

    /** The scheduler dispatching {@code n} tasks of NORMAL priority (the content does not matter here). */
    private void dispatch(int n) {
        for (int i = 0; i < n; i++) {
            kafka.publishRaw(topics.ready(Priority.NORMAL), UUID.randomUUID().toString(),
                    "{}".getBytes(StandardCharsets.UTF_8));
        }
    }

    private void awaitNormalDepth(long depth) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                depths.current().depth(Priority.NORMAL).orElse(-1) == depth);
    }

    private HttpResponse<String> submit(Priority priority) {
        return api.submit("{\"type\": \"admission.test\", \"payload\": {}, \"priority\": \"" + priority + "\"}");
    }

    private double rejections() {
        return meters.get("tasks.rejected").tag("reason", "queue_full").counter().count();
    }

    @Test
    void aFullQueueRefusesNewTasksOfItsPriorityUntilTheWorkersCatchUp() {
        awaitNormalDepth(0);
        dispatch(4);
        awaitNormalDepth(4);
        assertThat(submit(Priority.NORMAL).statusCode()).as("below the limit").isEqualTo(202);

        dispatch(1);
        awaitNormalDepth(5);
        HttpResponse<String> refused = submit(Priority.NORMAL);

        assertProblem(refused, 503, "queue_full");
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("3");
        assertThat(json(refused).get("detail").asString()).contains("NORMAL", "limit 5");
        assertThat(rejections()).isEqualTo(1);
        assertThat(meters.get("queue.depth").tag("priority", "normal").gauge().value()).isEqualTo(5.0);
        assertThat(api.get("/actuator/prometheus").body()).as("what Prometheus scrapes")
                .contains("tasks_rejected_total{reason=\"queue_full\"} 1.0")
                .contains("queue_depth{priority=\"normal\"} 5.0")
                .containsPattern("db_connection_pool_active\\{pool=\"ingest-api\"} \\d")
                .containsPattern("db_connection_pool_max\\{pool=\"ingest-api\"} 16")
                .contains("db_connection_pool_pending{pool=\"ingest-api\"}")
                .contains("circuit_breaker_state{name=\"kafka-submit\",state=\"closed\"} 1")
                .doesNotContain("hikaricp_connections_active");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM tasks WHERE tenant_id = ?", Long.class,
                "admission-" + SUFFIX)).as("only the admitted task was accepted").isEqualTo(1);
        assertThat(submit(Priority.HIGH).statusCode()).as("other priorities are not full").isEqualTo(202);
        assertThat(json(api.getAuthorized("/api/v1/stats")).get("queueDepth").get("NORMAL").asLong()).isEqualTo(5);

        kafka.consumeAndCommit(WORKERS, topics.ready(Priority.NORMAL));

        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> submit(Priority.NORMAL).statusCode() == 202);
        assertThat(depths.current().depth(Priority.NORMAL)).hasValue(0);
    }

    @Test
    void aPartitionWithoutCommittedOffsetsCountsFromItsEarliestOffset() throws Exception {
        String low = topics.ready(Priority.LOW);
        TopicPartition partition = new TopicPartition(low, 0);
        for (int i = 0; i < 3; i++) {
            kafka.publishRaw(low, 0, "k" + i, new byte[0]);
        }
        // retention removed the first two records: the log now starts at offset 2
        kafka.admin().deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(2))).all().get();
        String group = "lag-" + SUFFIX;

        try (ConsumerLag lag = new ConsumerLag(kafkaAdmin.getConfigurationProperties(), topics, group,
                ConsumerLag.TIMEOUT)) {
            assertThat(lag.read()).containsEntry(Priority.LOW, 1L).containsEntry(Priority.CRITICAL, 0L);

            commit(group, partition, 1); // below the log start: still counts from it
            assertThat(lag.read()).containsEntry(Priority.LOW, 1L);

            commit(group, partition, 3);
            assertThat(lag.read()).containsEntry(Priority.LOW, 0L);
        }
    }

    private void commit(String group, TopicPartition partition, long offset) throws Exception {
        kafka.admin().alterConsumerGroupOffsets(group, Map.of(partition, new OffsetAndMetadata(offset))).all().get();
    }
}
