package io.taskstream.ingest.config;

import java.util.Map;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;

/**
 * The API's meters under the names operators look for (docs/operations.md). Boot binds Hikari's pool
 * metrics ({@code hikaricp.connections.*}, tag {@code pool} = {@code spring.datasource.hikari.pool-name})
 * to the context's registry through its {@code MicrometerMetricsTrackerFactory}, whatever
 * {@code register-mbeans} (JMX only) says; this filter, applied by Boot to that registry, renames the
 * three an operator watches: {@code db_connection_pool_active{pool}}, {@code db_connection_pool_max{pool}}
 * and {@code db_connection_pool_pending{pool}}.
 */
@Configuration(proxyBeanMethods = false)
public class MetricsConfiguration {

    /** Hikari's meter names → ours. */
    static final Map<String, String> POOL_METERS = Map.of(
            "hikaricp.connections.active", "db.connection.pool.active",
            "hikaricp.connections.max", "db.connection.pool.max",
            "hikaricp.connections.pending", "db.connection.pool.pending");

    @Bean
    MeterFilter dbConnectionPoolNames() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                String renamed = POOL_METERS.get(id.getName());
                return renamed == null ? id : id.withName(renamed);
            }
        };
    }
}
