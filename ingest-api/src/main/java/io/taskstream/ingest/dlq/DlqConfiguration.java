package io.taskstream.ingest.dlq;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.MicrometerConsumerListener;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
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
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.dlqProjectionGroupId());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // the scheduler writes transactionally (exactly-once): never project an aborted write
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, properties.projectionBatchSize());
        DefaultKafkaConsumerFactory<String, byte[]> factory = new DefaultKafkaConsumerFactory<>(config,
                new StringDeserializer(), new ByteArrayDeserializer());
        factory.addListener(new MicrometerConsumerListener<>(meters));
        return factory;
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
        ContainerProperties containerProperties = new ContainerProperties(topics.dlq());
        containerProperties.setGroupId(properties.dlqProjectionGroupId());
        containerProperties.setAckMode(ContainerProperties.AckMode.BATCH);
        containerProperties.setMessageListener(listener);
        ConcurrentMessageListenerContainer<String, byte[]> container =
                new ConcurrentMessageListenerContainer<>(dlqConsumerFactory, containerProperties);
        container.setCommonErrorHandler(new DefaultErrorHandler(ProjectionConfiguration.retryForever()));
        container.setBeanName(LISTENER_ID);
        return container;
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
