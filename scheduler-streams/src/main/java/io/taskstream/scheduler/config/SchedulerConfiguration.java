package io.taskstream.scheduler.config;

import java.util.Random;
import java.util.random.RandomGenerator;

import org.apache.kafka.streams.Topology;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.KafkaAdmin;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.topology.SchedulerTopology;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TopicSettings;
import io.taskstream.schemas.Topics;
import io.taskstream.schemas.metrics.BoundedTagValues;
import io.taskstream.schemas.spring.KafkaHealthConfiguration;
import io.taskstream.schemas.spring.TopicsConfiguration;
import io.taskstream.schemas.spring.TracingConfiguration;
import io.taskstream.schemas.tracing.Tracing;

/**
 * The scheduler's beans: topics, the topology, the Kafka Streams client that runs it, and its health
 * components ({@code schedulerStreams}, and {@code kafka} from {@link KafkaHealthConfiguration}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SchedulerProperties.class)
@Import({TopicsConfiguration.class, KafkaHealthConfiguration.class, TracingConfiguration.class})
public class SchedulerConfiguration {

    @Bean
    SchemaValidator schemaValidator() {
        return SchemaValidator.load();
    }

    /** The scheduler's meters; tenants and types bounded by {@code taskstream.metrics.max-tag-values}. */
    @Bean
    SchedulerMetrics schedulerMetrics(MeterRegistry registry, Environment environment) {
        return new SchedulerMetrics(registry, environment.getProperty(BoundedTagValues.MAX_VALUES_PROPERTY,
                Integer.class, BoundedTagValues.DEFAULT_MAX_VALUES));
    }

    /** Retry jitter; shared by the stream threads, hence {@link Random} (thread-safe). */
    @Bean
    RandomGenerator schedulerJitter() {
        return new Random();
    }

    @Bean
    Topology schedulerTopology(Topics topics, SchedulerProperties properties, SchedulerMetrics metrics,
                               SchemaValidator validator, RandomGenerator schedulerJitter, Tracing tracing) {
        return SchedulerTopology.build(topics, properties, metrics, validator, schedulerJitter, tracing);
    }

    @Bean
    SchedulerStreams schedulerStreams(Topology topology, SchedulerProperties properties, KafkaProperties kafka,
                                      Topics topics, KafkaAdmin admin, SchedulerMetrics metrics) {
        return new SchedulerStreams(topology, properties, kafka.buildStreamsProperties(), topics, admin, metrics);
    }

    @Bean
    SchedulerStreamsHealthIndicator schedulerStreamsHealthIndicator(SchedulerStreams streams) {
        return new SchedulerStreamsHealthIndicator(streams);
    }
}
