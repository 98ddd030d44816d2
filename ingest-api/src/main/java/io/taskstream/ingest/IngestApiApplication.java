package io.taskstream.ingest;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The ingest API: accepts tasks over REST and writes them to Kafka, answers status queries from
 * Postgres, and runs the projection that keeps Postgres up to date from the {@code events} topic.
 * Runs standalone ({@code main}) or as one of several contexts in one JVM (the devstack launcher):
 * it keeps no static state and registers nothing JVM-global (no JMX, no global meter registry).
 */
@SpringBootApplication
public class IngestApiApplication {

    public static void main(String[] args) {
        SpringApplication.run(IngestApiApplication.class, args);
    }
}
