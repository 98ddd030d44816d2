package io.taskstream.ingest.control;

import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.ingest.tasks.TasksConfiguration;
import io.taskstream.schemas.ControlCommand;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Topics;

/** Wiring of control commands (the durable producer to {@code control}) and of the Redis cancel flags. */
@Configuration(proxyBeanMethods = false)
public class ControlConfiguration {

    /** Its own producer with the submission producer's settings ({@code acks=all}, idempotent, bounded waits). */
    @Bean
    ProducerFactory<String, ControlCommand> controlProducerFactory(KafkaProperties kafka,
            IngestProperties properties) {
        return new DefaultKafkaProducerFactory<>(
                TasksConfiguration.producerConfig(kafka.buildProducerProperties(), properties.submitTimeout()),
                new StringSerializer(), JsonSerde.of(ControlCommand.class).serializer());
    }

    @Bean
    KafkaTemplate<String, ControlCommand> controlTemplate(ProducerFactory<String, ControlCommand> factory) {
        return new KafkaTemplate<>(factory);
    }

    @Bean
    ControlPublisher controlPublisher(KafkaTemplate<String, ControlCommand> controlTemplate, Topics topics,
            IngestProperties properties, MeterRegistry meters) {
        return new ControlPublisher(controlTemplate, topics, properties.submitTimeout().plusSeconds(1),
                properties.retryAfter(), meters);
    }

    @Bean
    CancelFlags cancelFlags(StringRedisTemplate redis, IngestProperties properties) {
        return new CancelFlags(redis, properties.cancelFlagPrefix(), properties.cancelFlagTtl(),
                properties.retryAfter());
    }
}
