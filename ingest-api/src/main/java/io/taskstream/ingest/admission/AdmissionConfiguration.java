package io.taskstream.ingest.admission;

import java.time.Clock;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.ingest.tasks.Admission;
import io.taskstream.schemas.Topics;

/**
 * Wiring of admission control: the queue depths read in the background from the workers' group
 * ({@code taskstream.ingest.worker-group-id}) and the {@link Admission} policy that refuses new tasks of
 * a full priority.
 */
@Configuration(proxyBeanMethods = false)
public class AdmissionConfiguration {

    @Bean(initMethod = "start")
    QueueDepths queueDepths(KafkaAdmin kafkaAdmin, Topics topics, IngestProperties properties, Clock clock,
            MeterRegistry meters) {
        ConsumerLag lag = new ConsumerLag(kafkaAdmin.getConfigurationProperties(), topics,
                properties.workerGroupId(), ConsumerLag.TIMEOUT);
        return new QueueDepths(lag, properties.queueDepthRefresh(), clock, meters);
    }

    @Bean
    Admission admission(QueueDepths depths, IngestProperties properties, MeterRegistry meters) {
        return new QueueAdmission(depths, properties.queueLimits(), properties.retryAfter(), meters);
    }
}
