package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class TasksConfigurationTest {

    @Test
    void theSubmissionProducerIsDurableAndBounded() {
        Map<String, Object> config = TasksConfiguration.producerConfig(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "k:9092", ProducerConfig.ACKS_CONFIG, "1"),
                Duration.ofSeconds(5));

        assertThat(config).containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "k:9092")
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000)
                .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5000);
    }

    @Test
    void kafkasTimeoutRuleHoldsForShortTimeouts() {
        for (long millis : new long[] {1, 10, 100, 1000, 5000}) {
            Map<String, Object> config = TasksConfiguration.producerConfig(Map.of(), Duration.ofMillis(millis));
            int delivery = (int) config.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG);
            int linger = (int) config.get(ProducerConfig.LINGER_MS_CONFIG);
            int request = (int) config.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG);

            assertThat(delivery).as("%d ms", millis).isGreaterThanOrEqualTo(linger + request);
            assertThat(request).isPositive();
        }
    }
}
