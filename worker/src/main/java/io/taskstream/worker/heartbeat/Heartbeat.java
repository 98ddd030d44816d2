package io.taskstream.worker.heartbeat;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

import io.taskstream.schemas.Priority;

/**
 * What one heartbeat says about a worker, written as the Redis hash {@code <key>:<workerId>} with
 * one string field per component (see {@link #toHash()} and docs/wire-conventions.md, "Worker
 * heartbeats"). The counts of attempts cover the interval since the previous heartbeat.
 *
 * @param slotsBusy        attempts running when the heartbeat was taken
 * @param consumerRunning  whether the poll loop runs (a worker whose loop is down takes no work)
 * @param completed        attempts that ended {@code COMPLETED} since the previous heartbeat
 * @param failed           attempts that ended {@code FAILED} since the previous heartbeat
 * @param timedOut         attempts that ended {@code TIMED_OUT} since the previous heartbeat
 * @param cancelled        attempts that ended {@code CANCELLED} since the previous heartbeat
 * @param stuck            attempts abandoned within the stuck window (their handlers ignored the
 *                         interrupt at their timeout and may still run)
 * @param restarts         times the supervisor restarted the poll loop since the worker started
 */
public record Heartbeat(
        String workerId,
        String host,
        String groupId,
        String version,
        List<Priority> priorities,
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

    /** The value of the {@code schema} field: the layout of the hash, for readers that must tell versions apart. */
    public static final String SCHEMA = "worker-heartbeat/v1";

    public Heartbeat {
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(version, "version");
        priorities = List.copyOf(priorities);
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(lastHeartbeatAt, "lastHeartbeatAt");
        Objects.requireNonNull(interval, "interval");
    }

    /** The hash fields, in a stable order; instants ISO-8601 (UTC), the interval an ISO-8601 duration. */
    public Map<String, String> toHash() {
        Map<String, String> hash = new LinkedHashMap<>();
        hash.put("schema", SCHEMA);
        hash.put("workerId", workerId);
        hash.put("host", host);
        hash.put("groupId", groupId);
        hash.put("version", version);
        hash.put("priorities", priorities.stream().map(Priority::name).collect(Collectors.joining(",")));
        hash.put("startedAt", startedAt.toString());
        hash.put("lastHeartbeatAt", lastHeartbeatAt.toString());
        hash.put("interval", interval.toString());
        hash.put("slotsBusy", Integer.toString(slotsBusy));
        hash.put("slotsTotal", Integer.toString(slotsTotal));
        hash.put("consumer", consumerRunning ? "running" : "stopped");
        hash.put("completed", Long.toString(completed));
        hash.put("failed", Long.toString(failed));
        hash.put("timedOut", Long.toString(timedOut));
        hash.put("cancelled", Long.toString(cancelled));
        hash.put("stuck", Long.toString(stuck));
        hash.put("restarts", Long.toString(restarts));
        return hash;
    }
}
