package io.taskstream.schemas.spring;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The one Kafka reachability check of every service: the health component {@code kafka}
 * ({@link KafkaHealthIndicator}) against the cluster of Boot's {@link KafkaAdmin}, for the services'
 * readiness groups ({@code management.endpoint.health.group.readiness.include}). Import it:
 * {@code @Import(KafkaHealthConfiguration.class)}; the application needs Spring Boot's health support
 * (the actuator) on its class path.
 */
@Configuration(proxyBeanMethods = false)
public class KafkaHealthConfiguration {

    /** Named so that the component is {@code kafka}. */
    @Bean
    public KafkaHealthIndicator kafkaHealthIndicator(KafkaAdmin admin) {
        return new KafkaHealthIndicator(admin.getConfigurationProperties());
    }
}
