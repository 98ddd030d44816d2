package io.taskstream.ingest.workers;

import java.time.Clock;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.taskstream.ingest.config.IngestProperties;

/** Wiring of {@code GET /workers}: the heartbeats workers write to Redis, read through {@link WorkerDirectory}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WorkersProperties.class)
public class WorkersConfiguration {

    @Bean
    WorkerDirectory workerDirectory(StringRedisTemplate redis, WorkersProperties workers, Clock clock,
            IngestProperties properties) {
        return new WorkerDirectory(redis, workers, clock, properties.retryAfter());
    }
}
