package io.taskstream.ingest.stats;

import java.time.Clock;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

import io.taskstream.ingest.admission.QueueDepths;
import io.taskstream.ingest.config.IngestProperties;

/** Wiring of {@code GET /stats}. */
@Configuration(proxyBeanMethods = false)
public class StatsConfiguration {

    @Bean
    TaskStats taskStats(JdbcTemplate jdbc, QueueDepths depths, Clock clock, IngestProperties properties) {
        return new TaskStats(jdbc, depths, clock, properties.statsMaxAge());
    }
}
