package io.taskstream.ingest.schedules;

import java.time.Clock;
import java.util.random.RandomGenerator;

import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.transaction.support.TransactionTemplate;

import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.ingest.tasks.SubmissionReader;
import io.taskstream.ingest.tasks.TaskSubmitter;
import io.taskstream.ingest.tasks.TasksConfiguration;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.Topics;

/**
 * Wiring of schedules: the durable producer to {@code schedules}, the reader of request bodies (with the
 * shortest interval, {@code taskstream.ingest.schedules.min-interval}), the repository and {@link Schedules}.
 */
@Configuration(proxyBeanMethods = false)
public class SchedulesConfiguration {

    /** Parsed cron expressions kept for the views; one per distinct (cron, zone) pair. */
    static final long CRON_CACHE_SIZE = 10_000;

    /** Its own producer with the submission producer's settings ({@code acks=all}, idempotent, bounded waits). */
    @Bean
    ProducerFactory<String, ScheduleDefinition> scheduleProducerFactory(KafkaProperties kafka,
            IngestProperties properties) {
        return new DefaultKafkaProducerFactory<>(
                TasksConfiguration.producerConfig(kafka.buildProducerProperties(), properties.submitTimeout()),
                new StringSerializer(), JsonSerde.of(ScheduleDefinition.class).serializer());
    }

    @Bean
    KafkaTemplate<String, ScheduleDefinition> scheduleTemplate(ProducerFactory<String, ScheduleDefinition> factory) {
        return new KafkaTemplate<>(factory);
    }

    @Bean
    SchedulePublisher schedulePublisher(KafkaTemplate<String, ScheduleDefinition> scheduleTemplate, Topics topics,
            IngestProperties properties) {
        return new SchedulePublisher(scheduleTemplate, topics, properties.submitTimeout().plusSeconds(1),
                properties.retryAfter());
    }

    @Bean
    ScheduleReader scheduleReader(SubmissionReader submissionReader, SchemaValidator validator,
            IngestProperties properties) {
        return new ScheduleReader(submissionReader, validator, properties.schedules().minInterval());
    }

    @Bean
    ScheduleRepository scheduleRepository(JdbcTemplate jdbc) {
        return new ScheduleRepository(jdbc);
    }

    @Bean
    Schedules schedules(ScheduleRepository repository, SchedulePublisher publisher, ScheduleReader reader,
            TaskSubmitter submitter, TransactionTemplate transactions, Clock clock, RandomGenerator taskIdRandom,
            IngestProperties properties) {
        return new Schedules(repository, publisher, reader, new CronPreviews(CRON_CACHE_SIZE), submitter, transactions,
                clock, taskIdRandom, properties.retryAfter());
    }
}
