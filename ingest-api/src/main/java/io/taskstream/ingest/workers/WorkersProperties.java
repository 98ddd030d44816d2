package io.taskstream.ingest.workers;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the API finds workers' heartbeats, {@code taskstream.ingest.workers.*}.
 *
 * @param key the Redis key of the workers' index (a sorted set); each worker's heartbeat is the hash
 *            {@code <key>:<workerId>}. Must equal the workers' {@code taskstream.worker.heartbeat.key},
 *            or {@code GET /workers} lists none
 */
@ConfigurationProperties("taskstream.ingest.workers")
public record WorkersProperties(@DefaultValue("taskstream:workers") String key) {

    public WorkersProperties {
        if (key == null || key.isBlank() || key.contains(" ")) {
            throw new IllegalArgumentException("taskstream.ingest.workers.key must not be blank or contain spaces");
        }
    }

    /** The hash of one worker's heartbeat. */
    public String workerKey(String workerId) {
        return key + ":" + workerId;
    }
}
