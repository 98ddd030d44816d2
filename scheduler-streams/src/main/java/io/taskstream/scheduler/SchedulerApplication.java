package io.taskstream.scheduler;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * The scheduler service: the Kafka Streams topology of {@code SchedulerTopology}, plus health and
 * Prometheus metrics. Runs standalone ({@code java -jar scheduler-streams-exec.jar}) or as one of
 * several contexts in the devstack's JVM ({@code new SpringApplicationBuilder(SchedulerApplication.class)
 * .web(WebApplicationType.NONE)}): it keeps no static state and registers no JMX beans.
 *
 * <p>Data-store auto-configurations are excluded by name: in the devstack the JVM's class path also
 * carries the API's JDBC, Flyway and Redis, which this service must not start.
 */
@SpringBootApplication(excludeName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceInitializationAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.health.DataSourceHealthContributorAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.metrics.DataSourcePoolMetricsAutoConfiguration",
        "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
        "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
        "org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration",
        "org.springframework.boot.data.redis.autoconfigure.DataRedisRepositoriesAutoConfiguration",
        "org.springframework.boot.data.redis.autoconfigure.health.DataRedisHealthContributorAutoConfiguration",
        "org.springframework.boot.data.redis.autoconfigure.health.DataRedisReactiveHealthContributorAutoConfiguration"})
public class SchedulerApplication {

    /**
     * The configuration file's name: {@code scheduler-streams.yml}, not {@code application.yml}, because the
     * devstack puts the three services on one class path, where one {@code application.yml} would
     * shadow the others.
     */
    public static final String CONFIG_NAME = "scheduler-streams";

    /** This service as an application, reading {@value #CONFIG_NAME}{@code .yml}; add properties and run it. */
    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(SchedulerApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }

    public static void main(String[] args) {
        application().run(args);
    }
}
