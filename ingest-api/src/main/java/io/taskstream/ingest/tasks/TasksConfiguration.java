package io.taskstream.ingest.tasks;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.ingest.control.CancelFlags;
import io.taskstream.ingest.control.ControlPublisher;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;

/** Wiring of tasks: the durable submission producer, the reader, the repository, cancel and re-prioritise. */
@Configuration(proxyBeanMethods = false)
public class TasksConfiguration {

    /**
     * The submission producer: {@code acks=all} and idempotent, because a {@code 202} promises the task
     * is durable; every wait bounded by {@code taskstream.ingest.submit-timeout}
     * ({@code max.block.ms} for metadata, {@code delivery.timeout.ms} for the acknowledgement).
     * Other {@code spring.kafka.producer.*} settings apply underneath.
     */
    @Bean
    ProducerFactory<String, TaskSubmission> submissionProducerFactory(KafkaProperties kafka,
            IngestProperties properties) {
        return new DefaultKafkaProducerFactory<>(producerConfig(kafka.buildProducerProperties(),
                properties.submitTimeout()), new StringSerializer(), JsonSerde.of(TaskSubmission.class).serializer());
    }

    /** The durable producer settings, also used for control commands ({@code ingest.control}). */
    public static Map<String, Object> producerConfig(Map<String, Object> base, Duration submitTimeout) {
        Map<String, Object> config = new HashMap<>(base);
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, submitTimeout.toMillis());
        int lingerMs = Math.min(5, timeoutMs / 4);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs);
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms; half leaves room for a retry.
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(1, (timeoutMs - lingerMs) / 2));
        return config;
    }

    @Bean
    KafkaTemplate<String, TaskSubmission> submissionTemplate(ProducerFactory<String, TaskSubmission> factory) {
        return new KafkaTemplate<>(factory);
    }

    @Bean
    SubmissionPublisher submissionPublisher(KafkaTemplate<String, TaskSubmission> template, Topics topics,
            IngestProperties properties) {
        return new SubmissionPublisher(template, topics, properties.submitTimeout().plusSeconds(1),
                properties.retryAfter());
    }

    @Bean
    SubmissionReader submissionReader(SchemaValidator validator, IngestProperties properties) {
        return new SubmissionReader(validator, properties.maxPayloadBytes());
    }

    @Bean
    TaskRepository taskRepository(JdbcTemplate jdbc) {
        return new TaskRepository(jdbc);
    }

    @Bean
    TaskControl taskControl(TaskRepository repository, CancelFlags cancelFlags, ControlPublisher controlPublisher,
            Clock clock) {
        return new TaskControl(repository, cancelFlags, controlPublisher, clock);
    }

    @Bean
    TaskSubmitter taskSubmitter(SubmissionReader reader, SubmissionPublisher publisher, TaskRepository repository,
            Clock clock, RandomGenerator taskIdRandom, MeterRegistry meters, Admission admission) {
        return new TaskSubmitter(reader, publisher, repository, clock, taskIdRandom, meters, admission);
    }
}
