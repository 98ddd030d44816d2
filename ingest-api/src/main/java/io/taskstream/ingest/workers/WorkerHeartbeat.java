package io.taskstream.ingest.workers;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A worker's latest heartbeat as workers write it: the Redis hash {@code <key>:<workerId>} of string
 * fields (docs/wire-conventions.md, "Worker heartbeats"; written by the worker's
 * {@code HeartbeatPublisher}). The counts of attempts cover the interval before
 * {@code lastHeartbeatAt}.
 *
 * @param consumerRunning whether the worker's poll loop ran (field {@code consumer}: {@code running} / {@code stopped})
 * @param stuck           attempts the worker abandoned within the last few minutes (their handlers
 *                        ignored the interrupt at their timeout and may still run)
 * @param restarts        poll-loop restarts by the worker's supervisor since it started
 */
public record WorkerHeartbeat(
        String workerId,
        String host,
        String groupId,
        String version,
        List<String> priorities,
        Instant startedAt,
        Instant lastHeartbeatAt,
        Duration interval,
        int slotsBusy,
        int slotsTotal,
        boolean consumerRunning,
        long completed,
        long failed,
        long timedOut,
        long cancelled,
        long stuck,
        long restarts) {

    /** The interval assumed when a heartbeat does not say (the workers' default). */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    public WorkerHeartbeat {
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(lastHeartbeatAt, "lastHeartbeatAt");
        Objects.requireNonNull(interval, "interval");
        priorities = List.copyOf(priorities);
    }

    /** Attempts that ended in the interval, whatever their outcome. */
    public long attempts() {
        return completed + failed + timedOut + cancelled;
    }

    /**
     * Reads a heartbeat hash. {@code workerId} and {@code lastHeartbeatAt} are required; a missing
     * field of the others reads as empty or 0 (a heartbeat of an older or newer worker version).
     *
     * @throws IllegalArgumentException when a required field is missing or a field does not parse
     */
    public static WorkerHeartbeat parse(Map<String, String> hash) {
        String workerId = hash.get("workerId");
        String lastHeartbeatAt = hash.get("lastHeartbeatAt");
        if (workerId == null || workerId.isBlank() || lastHeartbeatAt == null) {
            throw new IllegalArgumentException("a heartbeat needs workerId and lastHeartbeatAt, got fields "
                    + hash.keySet());
        }
        try {
            String interval = hash.get("interval");
            String priorities = hash.getOrDefault("priorities", "");
            return new WorkerHeartbeat(workerId, hash.getOrDefault("host", ""), hash.getOrDefault("groupId", ""),
                    hash.getOrDefault("version", ""),
                    priorities.isBlank() ? List.of() : Arrays.asList(priorities.split(",")),
                    hash.containsKey("startedAt") ? Instant.parse(hash.get("startedAt")) : null,
                    Instant.parse(lastHeartbeatAt),
                    interval == null ? DEFAULT_INTERVAL : Duration.parse(interval),
                    (int) number(hash, "slotsBusy"), (int) number(hash, "slotsTotal"),
                    !"stopped".equals(hash.get("consumer")),
                    number(hash, "completed"), number(hash, "failed"), number(hash, "timedOut"),
                    number(hash, "cancelled"), number(hash, "stuck"), number(hash, "restarts"));
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException("the heartbeat of worker " + workerId + " does not parse: "
                    + e.getMessage(), e);
        }
    }

    private static long number(Map<String, String> hash, String field) {
        String value = hash.get(field);
        return value == null ? 0 : Long.parseLong(value);
    }
}
