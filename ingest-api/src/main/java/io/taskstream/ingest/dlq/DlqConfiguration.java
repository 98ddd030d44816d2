package io.taskstream.ingest.dlq;

import java.time.Clock;

import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.ingest.control.ControlPublisher;
import io.taskstream.ingest.projection.ProjectionConfiguration;
import io.taskstream.ingest.tasks.TaskRepository;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.Topics;

/**
 * The dead-letter queue's wiring: its projection's consumer (group
 * {@code taskstream.ingest.dlq-projection-group-id} on {@code dlq}, batch listener, offsets committed
 * after each batch's transaction, a failing batch retried with backoff for as long as it takes — as the
 * events projection), the repository and the service behind the endpoints.
 */
@Configuration(proxyBeanMethods = false)
public class DlqConfiguration {

    static final String LISTENER_ID = "taskstream-dlq-projection";

    @Bean
    ConsumerFactory<String, byte[]> dlqConsumerFactory(KafkaProperties kafka, IngestProperties properties,
            MeterRegistry meters) {
        return ProjectionConfiguration.committedBatchConsumer(kafka, properties.dlqProjectionGroupId(),
                properties.projectionBatchSize(), meters);
    }

    @Bean
    DeadLetterProjection deadLetterProjection(JdbcTemplate jdbc, TransactionTemplate transactions,
            MeterRegistry meters) {
        return new DeadLetterProjection(jdbc, transactions, meters);
    }

    @Bean
    DeadLetterListener deadLetterListener(DeadLetterProjection projection, SchemaValidator validator,
            MeterRegistry meters) {
        return new DeadLetterListener(projection, validator, meters);
    }

    @Bean
    ConcurrentMessageListenerContainer<String, byte[]> dlqContainer(
            ConsumerFactory<String, byte[]> dlqConsumerFactory, DeadLetterListener listener, Topics topics,
            IngestProperties properties) {
        return ProjectionConfiguration.committedBatchContainer(dlqConsumerFactory, topics.dlq(),
                properties.dlqProjectionGroupId(), listener, 1, LISTENER_ID);
    }

    @Bean
    DeadLetterRepository deadLetterRepository(JdbcTemplate jdbc, TransactionTemplate transactions) {
        return new DeadLetterRepository(jdbc, transactions);
    }

    @Bean
    DeadLetterQueue deadLetterQueue(DeadLetterRepository repository, TaskRepository tasks,
            ControlPublisher publisher, Clock clock) {
        return new DeadLetterQueue(repository, tasks, publisher, clock);
    }
}
