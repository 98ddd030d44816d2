package io.taskstream.worker;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import io.lettuce.core.ClientOptions;
import io.taskstream.worker.config.WorkerConfiguration;

/**
 * The runnable worker: {@link WorkerConfiguration} plus Boot's auto-configuration (Kafka, Redis,
 * Actuator, Prometheus). Also started in-process by the devstack launcher, next to the API and the
 * scheduler: it keeps no static state, and it declines the database auto-configurations the other
 * services bring onto a shared class path (it needs no database). No component scanning: handlers
 * come from {@link WorkerConfiguration}'s imports or from the application that imports it.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration(excludeName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration"})
@Import(WorkerConfiguration.class)
public class WorkerApplication {

    /**
     * The configuration file's name: {@code worker.yml}, not {@code application.yml}, because the
     * devstack puts the three services on one class path, where one {@code application.yml} would
     * shadow the others.
     */
    public static final String CONFIG_NAME = "worker";

    /** The worker as an application, reading {@value #CONFIG_NAME}{@code .yml}; add properties and run it. */
    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(WorkerApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }

    /**
     * While the connection to Redis is down, a cancel-flag read fails at once instead of waiting in
     * Lettuce's queue for the command timeout: the worker treats an unreadable flag as "not
     * cancelled" anyway, and every attempt would otherwise start that much later during an outage.
     */
    @Bean
    LettuceClientOptionsBuilderCustomizer failFastWhileRedisIsDisconnected() {
        return options -> options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
    }

    public static void main(String[] args) {
        application().run(args);
    }
}
