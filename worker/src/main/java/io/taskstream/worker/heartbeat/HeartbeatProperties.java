package io.taskstream.worker.heartbeat;

import java.time.Duration;
import java.util.Objects;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Heartbeats and the poll-loop supervisor, {@code taskstream.worker.heartbeat.*} (environment:
 * {@code TASKSTREAM_WORKER_HEARTBEAT_*}). Defaults live here; a wrong value stops the start-up with
 * one message naming the property.
 *
 * @param interval       how often the worker writes its heartbeat to Redis (default 10 s, 1 s–5 m).
 *                       Readers call a worker {@code UNHEALTHY} once its latest heartbeat is three
 *                       intervals old
 * @param retention      how long a heartbeat stays in Redis after it was written (default 1 h, at
 *                       least four intervals): a worker that stopped beating stays listed, as
 *                       {@code UNHEALTHY}, for that long, then disappears
 * @param key            the Redis key of the index of workers (a sorted set); each worker's heartbeat
 *                       is the hash {@code <key>:<workerId>} (default {@code taskstream:workers}). Must
 *                       be the key the API reads
 * @param stuckWindow    attempts abandoned within this window (handlers that ignored the interrupt
 *                       at their timeout and may still hold a thread) count as stuck slots, which
 *                       make readers call the worker {@code DEGRADED} (default 5 m, at least one
 *                       interval)
 * @param stallTimeout   the supervisor restarts a poll loop whose thread died, or that made no
 *                       progress for this long (default 30 s; it waits at least three
 *                       {@code poll-timeout}s and {@code shutdown-timeout} + 10 s, since a rebalance
 *                       may hold the loop for that long)
 * @param checkInterval  how often the supervisor looks at the poll loop (default 1 s, 10 ms–1 m)
 */
@ConfigurationProperties("taskstream.worker.heartbeat")
public record HeartbeatProperties(
        Duration interval,
        Duration retention,
        String key,
        Duration stuckWindow,
        Duration stallTimeout,
        Duration checkInterval) {

    public HeartbeatProperties {
        interval = Objects.requireNonNullElse(interval, Duration.ofSeconds(10));
        retention = Objects.requireNonNullElse(retention, Duration.ofHours(1));
        key = Objects.requireNonNullElse(key, "taskstream:workers");
        stuckWindow = Objects.requireNonNullElse(stuckWindow, Duration.ofMinutes(5));
        stallTimeout = Objects.requireNonNullElse(stallTimeout, Duration.ofSeconds(30));
        checkInterval = Objects.requireNonNullElse(checkInterval, Duration.ofSeconds(1));

        require(interval.compareTo(Duration.ofSeconds(1)) >= 0 && interval.compareTo(Duration.ofMinutes(5)) <= 0,
                "interval", "must be between 1s and 5m", interval);
        require(retention.compareTo(interval.multipliedBy(4)) >= 0, "retention",
                "must be at least four intervals (" + interval.multipliedBy(4) + "), so that a silent worker is"
                        + " seen UNHEALTHY before it disappears", retention);
        require(!key.isBlank() && !key.contains(" "), "key", "must not be blank or contain spaces", key);
        require(stuckWindow.compareTo(interval) >= 0, "stuck-window", "must be at least one interval", stuckWindow);
        require(stallTimeout.isPositive(), "stall-timeout", "must be positive", stallTimeout);
        require(checkInterval.compareTo(Duration.ofMillis(10)) >= 0
                        && checkInterval.compareTo(Duration.ofMinutes(1)) <= 0,
                "check-interval", "must be between 10ms and 1m", checkInterval);
    }

    /** The Redis hash holding one worker's heartbeat: {@code <key>:<workerId>}. */
    public String workerKey(String workerId) {
        return key + ":" + workerId;
    }

    /**
     * How long the supervisor lets the poll loop go without progress: {@link #stallTimeout}, but at
     * least three poll timeouts (one poll may wait that long for records) and at least
     * {@code shutdownTimeout} + 10 s (a rebalance waits that long for running attempts, on the poll
     * thread, then commits).
     */
    public Duration effectiveStallTimeout(Duration pollTimeout, Duration shutdownTimeout) {
        Duration atLeast = max(pollTimeout.multipliedBy(3), shutdownTimeout.plusSeconds(10));
        return max(stallTimeout, atLeast);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static void require(boolean ok, String property, String rule, Object value) {
        if (!ok) {
            throw new IllegalArgumentException("taskstream.worker.heartbeat." + property + " " + rule
                    + " (was " + value + ")");
        }
    }
}
