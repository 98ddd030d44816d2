package io.taskstream.ingest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import io.taskstream.schemas.Priority;

public class IngestPropertiesTest {

    public static final String KEY = "ts_test_0123456789abcdef0123456789abcdef";

    /** Properties as bound from just an admin key: every default. */
    public static IngestProperties valid() {
        return bind(Map.of("taskstream.ingest.admin-key", KEY));
    }

    static IngestProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values))
                .bindOrCreate("taskstream.ingest", IngestProperties.class);
    }

    private static Map<String, String> with(String name, String value) {
        Map<String, String> values = new HashMap<>(Map.of("taskstream.ingest.admin-key", KEY));
        values.put("taskstream.ingest." + name, value);
        return values;
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        IngestProperties p = valid();

        assertThat(p.adminTenant()).isEqualTo("default");
        assertThat(p.maxPayloadBytes()).isEqualTo(262_144);
        assertThat(p.maxBodyBytes()).isEqualTo(2L * 262_144 + 65_536);
        assertThat(p.submitTimeout()).as("under 2 s with Kafka down").isEqualTo(Duration.ofMillis(1500));
        assertThat(p.projectionGroupId()).isEqualTo("taskstream-projection");
        assertThat(p.projectionBatchSize()).isEqualTo(500);
        assertThat(p.partitionMonthsAhead()).isEqualTo(2);
        assertThat(p.partitionMaintenanceInterval()).isEqualTo(Duration.ofDays(1));
        assertThat(p.cancelFlagPrefix()).isEqualTo("taskstream:cancel:");
        assertThat(p.cancelFlagTtl()).isEqualTo(Duration.ofDays(7));
        assertThat(p.dlqProjectionGroupId()).isEqualTo("taskstream-dlq-projection");
        assertThat(p.workerGroupId()).isEqualTo("taskstream-workers");
        assertThat(p.queueLimits()).containsOnlyKeys(Priority.values()).allSatisfy((priority, limit) ->
                assertThat(limit).isEqualTo(10_000));
        assertThat(p.queueDepthRefresh()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.statsMaxAge()).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.maxBatchSize()).isEqualTo(1000);
        assertThat(p.maxBatchBodyBytes()).isEqualTo(10L * 1024 * 1024);
        assertThat(p.idempotencyTtl()).isEqualTo(Duration.ofHours(24));
        assertThat(p.rywCacheMaxBytes()).isEqualTo(32L * 1024 * 1024);
        assertThat(p.rywCacheTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(p.schedules().minInterval()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void theShortestScheduleIntervalIsSetAndMustBePositive() {
        assertThat(bind(with("schedules.min-interval", "PT10S")).schedules().minInterval())
                .isEqualTo(Duration.ofSeconds(10));
        assertThat(bind(with("schedules.min-interval", "PT10S")).toString())
                .contains("schedules=Schedules[minInterval=PT10S]");
        assertThatThrownBy(() -> bind(with("schedules.min-interval", "PT0S"))).rootCause()
                .hasMessage("taskstream.ingest.schedules.min-interval must be a positive duration");
        assertThatThrownBy(() -> bind(with("schedules.min-interval", "-PT1M"))).rootCause()
                .hasMessage("taskstream.ingest.schedules.min-interval must be a positive duration");
    }

    @Test
    void queueLimitsAreSetPerPriorityAndTheOthersKeepTheDefault() {
        Map<String, String> values = with("queue-limits.low", "50000");
        values.put("taskstream.ingest.queue-limits.CRITICAL", "5");

        IngestProperties p = bind(values);

        assertThat(p.queueLimits()).containsEntry(Priority.LOW, 50_000).containsEntry(Priority.CRITICAL, 5)
                .containsEntry(Priority.HIGH, 10_000).containsEntry(Priority.NORMAL, 10_000);
        assertThat(p.toString()).contains("queueLimits={CRITICAL=5, HIGH=10000, NORMAL=10000, LOW=50000}");
    }

    @Test
    void badAdmissionAndStatsSettingsStopTheStart() {
        assertThatThrownBy(() -> bind(with("queue-limits.normal", "0"))).rootCause()
                .hasMessage("taskstream.ingest.queue-limits.normal must be at least 1");
        assertThatThrownBy(() -> bind(with("worker-group-id", " "))).rootCause()
                .hasMessage("taskstream.ingest.worker-group-id must not be blank");
        assertThatThrownBy(() -> bind(with("queue-depth-refresh", "PT0S"))).rootCause()
                .hasMessage("taskstream.ingest.queue-depth-refresh must be a positive duration");
        assertThatThrownBy(() -> bind(with("stats-max-age", "-PT1S"))).rootCause()
                .hasMessage("taskstream.ingest.stats-max-age must be a positive duration");
    }

    @Test
    void theAdminKeyIsOptionalHereAndBlankMeansUnset() {
        assertThat(bind(Map.of("taskstream.ingest.admin-tenant", "x")).adminKey()).isNull();
        assertThat(bind(Map.of("taskstream.ingest.admin-key", " ")).adminKey()).isNull();
    }

    @Test
    void anAdminKeyMustHaveTheKeyFormatWithALongSecret() {
        assertThatThrownBy(() -> bind(Map.of("taskstream.ingest.admin-key", "short")))
                .rootCause().hasMessageStartingWith("taskstream.ingest.admin-key must look like ts_<prefix>_<secret>")
                .hasMessageNotContaining("short");
        assertThatThrownBy(() -> bind(Map.of("taskstream.ingest.admin-key", "ts_abc_0123456789abcdef0123456789abcde")))
                .rootCause().hasMessageContaining("a secret of 32-128");
        assertThat(bind(Map.of("taskstream.ingest.admin-key", " " + KEY + " ")).adminKey()).isEqualTo(KEY);
    }

    @Test
    void wrongValuesNameTheirProperty() {
        assertThatThrownBy(() -> bind(with("admin-tenant", "no spaces"))).rootCause()
                .hasMessageContaining("admin-tenant");
        assertThatThrownBy(() -> bind(with("max-payload-bytes", "10"))).rootCause()
                .hasMessageContaining("max-payload-bytes");
        assertThatThrownBy(() -> bind(with("submit-timeout", "0s"))).rootCause()
                .hasMessageContaining("submit-timeout");
        assertThatThrownBy(() -> bind(with("projection-batch-size", "0"))).rootCause()
                .hasMessageContaining("projection-batch-size");
        assertThatThrownBy(() -> bind(with("projection-concurrency", "0"))).rootCause()
                .hasMessageContaining("projection-concurrency");
        assertThatThrownBy(() -> bind(with("projection-group-id", " "))).rootCause()
                .hasMessageContaining("projection-group-id");
        assertThatThrownBy(() -> bind(with("partition-months-ahead", "0"))).rootCause()
                .hasMessageContaining("partition-months-ahead");
        assertThatThrownBy(() -> bind(with("cancel-flag-prefix", " "))).rootCause()
                .hasMessageContaining("cancel-flag-prefix");
        assertThatThrownBy(() -> bind(with("cancel-flag-ttl", "-PT1S"))).rootCause()
                .hasMessageContaining("cancel-flag-ttl");
        assertThatThrownBy(() -> bind(with("dlq-projection-group-id", ""))).rootCause()
                .hasMessageContaining("dlq-projection-group-id");
        assertThatThrownBy(() -> bind(with("dlq-projection-group-id", "taskstream-projection"))).rootCause()
                .hasMessageContaining("must differ from taskstream.ingest.projection-group-id");
        assertThatThrownBy(() -> bind(with("max-batch-size", "0"))).rootCause()
                .hasMessageContaining("max-batch-size");
        assertThatThrownBy(() -> bind(with("max-batch-size", "10001"))).rootCause()
                .hasMessageContaining("max-batch-size");
        assertThatThrownBy(() -> bind(with("max-batch-body-bytes", "1024"))).rootCause()
                .hasMessageContaining("max-batch-body-bytes");
        assertThatThrownBy(() -> bind(with("idempotency-ttl", "PT0S"))).rootCause()
                .hasMessageContaining("idempotency-ttl");
        assertThatThrownBy(() -> bind(with("idempotency-ttl", "PT30S"))).rootCause()
                .hasMessageContaining("idempotency-ttl must be at least a minute");
        assertThatThrownBy(() -> bind(with("ryw-cache-max-bytes", "-1"))).rootCause()
                .hasMessageContaining("ryw-cache-max-bytes");
        assertThatThrownBy(() -> bind(with("ryw-cache-ttl", "PT0S"))).rootCause()
                .hasMessageContaining("ryw-cache-ttl");
    }

    @Test
    void everyPropertyCanBeSetAsAnEnvironmentVariable() {
        var env = new org.springframework.core.env.SystemEnvironmentPropertySource("env", Map.of(
                "TASKSTREAM_INGEST_ADMIN_KEY", KEY,
                "TASKSTREAM_INGEST_MAX_PAYLOAD_BYTES", "4096",
                "TASKSTREAM_INGEST_SUBMIT_TIMEOUT", "PT2S"));
        var sources = org.springframework.boot.context.properties.source.ConfigurationPropertySources.from(env);

        IngestProperties p = new Binder(sources).bindOrCreate("taskstream.ingest", IngestProperties.class);

        assertThat(p.maxPayloadBytes()).isEqualTo(4096);
        assertThat(p.submitTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void theAdminKeyNeverAppearsInToString() {
        assertThat(valid().toString()).doesNotContain(KEY).contains("adminKey=****");
    }
}
