package io.taskstream.ingest.config;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.random.RandomGenerator;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.KafkaAdmin.NewTopics;
import org.springframework.scheduling.annotation.EnableScheduling;

import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TopicSettings;
import io.taskstream.schemas.Topics;
import io.taskstream.schemas.spring.KafkaHealthConfiguration;
import io.taskstream.schemas.spring.TopicsConfiguration;

/**
 * The shared pieces every feature of the API uses: time, randomness, the wire contract (schemas and
 * topic names) and the topics this service creates when they are missing.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(IngestProperties.class)
@Import({TopicsConfiguration.class, KafkaHealthConfiguration.class})
@EnableScheduling
public class IngestConfiguration {

    /** The one clock of the application (UTC); tests substitute their own. */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /** Randomness of task ids (UUIDv7 random bits): unpredictable, so ids cannot be guessed. */
    @Bean
    RandomGenerator taskIdRandom() {
        return new SecureRandom();
    }

    @Bean
    SchemaValidator schemaValidator() {
        return SchemaValidator.load();
    }
}
