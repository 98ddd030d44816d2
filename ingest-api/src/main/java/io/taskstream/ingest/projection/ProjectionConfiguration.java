package io.taskstream.ingest.projection;

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
import org.springframework.util.backoff.ExponentialBackOff;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.Topics;

/**
 * The projection's consumer: group {@code taskstream.ingest.projection-group-id} on {@code events},
 * batch listener, offsets committed after each batch's transaction ({@code AckMode.BATCH}), a
 * failing batch retried with backoff for as long as it takes (the database may be down for a while).
 */
@Configuration(proxyBeanMethods = false)
public class ProjectionConfiguration {

    static final String LISTENER_ID = "taskstream-projection";

    @Bean
    ConsumerFactory<String, byte[]> projectionConsumerFactory(KafkaProperties kafka, IngestProperties properties,
            MeterRegistry meters) {
        return committedBatchConsumer(kafka, properties.projectionGroupId(), properties.projectionBatchSize(), meters);
    }

    /**
     * A projection's consumer: its own group, from the earliest offset, committed records only (the
     * scheduler writes transactionally: an aborted write must never reach the view), offsets
     * committed by the listener container after each batch, at most {@code batchSize} records a poll.
     */
    public static ConsumerFactory<String, byte[]> committedBatchConsumer(KafkaProperties kafka, String groupId,
            int batchSize, MeterRegistry meters) {
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, batchSize);
        DefaultKafkaConsumerFactory<String, byte[]> factory = new DefaultKafkaConsumerFactory<>(config,
                new StringDeserializer(), new ByteArrayDeserializer());
        factory.addListener(new MicrometerConsumerListener<>(meters));
        return factory;
    }

    @Bean
    TaskProjection taskProjection(JdbcTemplate jdbc, TransactionTemplate transactions, MeterRegistry meters) {
        return new TaskProjection(jdbc, transactions, meters);
    }

    @Bean
    ProjectionListener projectionListener(TaskProjection projection, SchemaValidator validator,
            MeterRegistry meters) {
        return new ProjectionListener(projection, validator, meters);
    }

    @Bean
    ConcurrentMessageListenerContainer<String, byte[]> projectionContainer(
            ConsumerFactory<String, byte[]> projectionConsumerFactory, ProjectionListener listener, Topics topics,
            IngestProperties properties) {
        return committedBatchContainer(projectionConsumerFactory, topics.events(), properties.projectionGroupId(),
                listener, properties.projectionConcurrency(), LISTENER_ID);
    }

    /**
     * A projection's listener container: batch acks (offsets committed after the listener's
     * database transaction), a failing batch retried without end, {@code concurrency} consumers.
     */
    public static ConcurrentMessageListenerContainer<String, byte[]> committedBatchContainer(
            ConsumerFactory<String, byte[]> consumers, String topic, String groupId, Object listener, int concurrency,
            String beanName) {
        ContainerProperties containerProperties = new ContainerProperties(topic);
        containerProperties.setGroupId(groupId);
        containerProperties.setAckMode(ContainerProperties.AckMode.BATCH);
        containerProperties.setMessageListener(listener);
        ConcurrentMessageListenerContainer<String, byte[]> container =
                new ConcurrentMessageListenerContainer<>(consumers, containerProperties);
        container.setConcurrency(concurrency);
        container.setCommonErrorHandler(new DefaultErrorHandler(retryForever()));
        container.setBeanName(beanName);
        return container;
    }

    /** 200 ms doubling to 10 s between attempts, without end: a batch is never skipped because Postgres is down. */
    public static ExponentialBackOff retryForever() {
        ExponentialBackOff backOff = new ExponentialBackOff(200, 2.0);
        backOff.setMaxInterval(10_000);
        backOff.setMaxElapsedTime(Long.MAX_VALUE);
        backOff.setMaxAttempts(Long.MAX_VALUE);
        return backOff;
    }

    @Bean
    ExecutionPartitions executionPartitions(JdbcTemplate jdbc, Clock clock, IngestProperties properties) {
        return new ExecutionPartitions(jdbc, clock, properties.partitionMonthsAhead());
    }
}
