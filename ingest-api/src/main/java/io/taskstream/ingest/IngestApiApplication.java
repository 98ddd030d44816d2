package io.taskstream.ingest;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * The ingest API: accepts tasks over REST and writes them to Kafka, answers status queries from
 * Postgres, and runs the projection that keeps Postgres up to date from the {@code events} topic.
 * Runs standalone ({@code main}) or as one of several contexts in one JVM (the devstack launcher):
 * it keeps no static state and registers nothing JVM-global (no JMX, no global meter registry).
 */
@SpringBootApplication
public class IngestApiApplication {

    /**
     * The configuration file's name: {@code ingest-api.yml}, not {@code application.yml}, because the
     * devstack puts the three services on one class path, where one {@code application.yml} would
     * shadow the others.
     */
    public static final String CONFIG_NAME = "ingest-api";

    /** This service as an application, reading {@value #CONFIG_NAME}{@code .yml}; add properties and run it. */
    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(IngestApiApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }

    public static void main(String[] args) {
        application().run(args);
    }
}
