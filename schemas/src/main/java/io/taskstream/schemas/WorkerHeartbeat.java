package io.taskstream.schemas;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A worker's heartbeat (wire name {@value #SCHEMA}): who the worker is and how it is doing. Each
 * worker writes one every interval to Redis, as the hash {@code <key>:<workerId>}; the API reads them
 * for {@code GET /workers} and judges each worker's status from them. It travels as a Redis hash of
 * string fields, not as JSON: {@link #toHash()} writes it, {@link #fromHash(Map)} reads it. The keys
 * around it are in {@code docs/wire-conventions.md}, "Worker heartbeats".
 *
 * <h2>Reading</h2>
 * {@link #fromHash(Map)} is strict about what a hash says and tolerant of what it leaves out:
 * <ul>
 *   <li>a {@code schema} other than {@value #SCHEMA} is rejected (a layout this code cannot read);
 *       a hash without one is read as {@value #SCHEMA};</li>
 *   <li>{@code workerId} and {@code lastHeartbeatAt} are required;</li>
 *   <li>any other field that is missing reads as empty, 0, {@code running}, {@code null}
 *       ({@code startedAt}) or {@link #DEFAULT_INTERVAL}, so that a worker one version apart from the
 *       reader is still listed;</li>
 *   <li>a field that is there but does not parse — a number that is not a count, a time that is not
 *       ISO-8601, a priority or consumer state that does not exist — is rejected, naming the field;</li>
 *   <li>fields it does not know are ignored (a newer worker may write more).</li>
 * </ul>
 * Every rejection is an {@link IllegalArgumentException}; the API skips such a heartbeat and logs it.
 *
 * @param identity         who the worker is; does not change while it runs
 * @param startedAt        when the worker started; {@code null} only when a heartbeat read does not say
 * @param lastHeartbeatAt  when this heartbeat was taken, by the worker's clock
 * @param interval         how often the worker beats; readers call it {@code UNHEALTHY} after a few missed beats
 * @param slotsBusy        attempts running when the heartbeat was taken
 * @param slotsTotal       attempts the worker runs at once at most
 * @param consumerRunning  whether its poll loop runs (field {@code consumer}: {@code running} /
 *                         {@code stopped}); a worker whose loop is down takes no work
 * @param completed        attempts that ended {@code COMPLETED} since the previous heartbeat
 * @param failed           attempts that ended {@code FAILED} since the previous heartbeat
 * @param timedOut         attempts that ended {@code TIMED_OUT} since the previous heartbeat
 * @param cancelled        attempts that ended {@code CANCELLED} since the previous heartbeat
 * @param stuck            attempts abandoned within the last few minutes: their handlers ignored the
 *                         interrupt at their timeout and may still hold a thread
 * @param restarts         poll-loop restarts by the worker's supervisor since it started
 */
public record WorkerHeartbeat(
        Identity identity,
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

    /** The interval assumed when a heartbeat does not say (the workers' default). */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    public WorkerHeartbeat {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(lastHeartbeatAt, "lastHeartbeatAt");
        Objects.requireNonNull(interval, "interval");
        if (!interval.isPositive()) {
            throw new IllegalArgumentException("interval must be positive (was " + interval + ")");
        }
        requireCount("slotsBusy", slotsBusy);
        requireCount("slotsTotal", slotsTotal);
        requireCount("completed", completed);
        requireCount("failed", failed);
        requireCount("timedOut", timedOut);
        requireCount("cancelled", cancelled);
        requireCount("stuck", stuck);
        requireCount("restarts", restarts);
    }

    /**
     * What does not change while a worker runs.
     *
     * @param workerId    the worker's id, unique in the deployment (what executions show as {@code workerId})
     * @param host        the host it runs on
     * @param groupId     its Kafka consumer group
     * @param version     the version of the worker runtime ({@code dev} when not run from a built jar)
     * @param priorities  the priorities whose ready topics it consumes
     */
    public record Identity(String workerId, String host, String groupId, String version, List<Priority> priorities) {

        public Identity {
            Objects.requireNonNull(workerId, "workerId");
            if (workerId.isBlank()) {
                throw new IllegalArgumentException("workerId must not be blank");
            }
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(version, "version");
            priorities = List.copyOf(priorities);
        }
    }

    /** The worker's id: the last part of the hash's key. */
    public String workerId() {
        return identity.workerId();
    }

    /** Attempts that ended in the interval before {@link #lastHeartbeatAt}, whatever their outcome. */
    public long attempts() {
        return completed + failed + timedOut + cancelled;
    }

    /**
     * The hash fields, in a stable order: every field is written; instants ISO-8601 (UTC), the
     * interval an ISO-8601 duration, priorities comma-separated.
     */
    public Map<String, String> toHash() {
        Map<String, String> hash = new LinkedHashMap<>();
        hash.put("schema", SCHEMA);
        hash.put("workerId", identity.workerId());
        hash.put("host", identity.host());
        hash.put("groupId", identity.groupId());
        hash.put("version", identity.version());
        hash.put("priorities", identity.priorities().stream().map(Priority::name).collect(Collectors.joining(",")));
        // a heartbeat read without startedAt is written back without it, so it reads the same again
        if (startedAt != null) {
            hash.put("startedAt", startedAt.toString());
        }
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

    /**
     * Reads a heartbeat hash (the rules are in the class comment).
     *
     * @throws IllegalArgumentException when the schema is another one, a required field is missing or
     *                                  a field does not parse; the message names the worker and the field
     */
    public static WorkerHeartbeat fromHash(Map<String, String> hash) {
        String workerId = hash.get("workerId");
        if (workerId == null || workerId.isBlank() || hash.get("lastHeartbeatAt") == null) {
            throw new IllegalArgumentException("a heartbeat needs workerId and lastHeartbeatAt, got fields "
                    + hash.keySet().stream().sorted().toList());
        }
        try {
            String schema = hash.get("schema");
            if (schema != null && !schema.equals(SCHEMA)) {
                throw new IllegalArgumentException("its schema is " + quoted(schema) + ", this reader knows "
                        + SCHEMA + " only");
            }
            Identity identity = new Identity(workerId, hash.getOrDefault("host", ""),
                    hash.getOrDefault("groupId", ""), hash.getOrDefault("version", ""),
                    field(hash, "priorities", List.of(), WorkerHeartbeat::parsePriorities, "a comma-separated list of "
                            + Arrays.toString(Priority.values())));
            return new WorkerHeartbeat(identity,
                    field(hash, "startedAt", null, Instant::parse, "an ISO-8601 instant"),
                    field(hash, "lastHeartbeatAt", null, Instant::parse, "an ISO-8601 instant"),
                    field(hash, "interval", DEFAULT_INTERVAL, Duration::parse, "an ISO-8601 duration"),
                    field(hash, "slotsBusy", 0, Integer::parseInt, "a whole number"),
                    field(hash, "slotsTotal", 0, Integer::parseInt, "a whole number"),
                    field(hash, "consumer", true, WorkerHeartbeat::parseConsumer, "running or stopped"),
                    count(hash, "completed"), count(hash, "failed"), count(hash, "timedOut"),
                    count(hash, "cancelled"), count(hash, "stuck"), count(hash, "restarts"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the heartbeat of worker " + workerId + " does not parse: "
                    + e.getMessage(), e);
        }
    }

    /** A field's value; {@code absent} when the hash lacks it. */
    private static <T> T field(Map<String, String> hash, String name, T absent, Function<String, T> parse,
                               String expected) {
        String value = hash.get(name);
        if (value == null) {
            return absent;
        }
        try {
            return parse.apply(value);
        } catch (RuntimeException e) { // NumberFormatException, DateTimeParseException, an unknown enum constant
            throw new IllegalArgumentException(name + " is " + quoted(value) + ", not " + expected, e);
        }
    }

    private static long count(Map<String, String> hash, String name) {
        return field(hash, name, 0L, Long::parseLong, "a whole number");
    }

    private static List<Priority> parsePriorities(String value) {
        return value.isBlank() ? List.of() : Arrays.stream(value.split(",", -1)).map(Priority::valueOf).toList();
    }

    private static boolean parseConsumer(String value) {
        return switch (value) {
            case "running" -> true;
            case "stopped" -> false;
            default -> throw new IllegalArgumentException(value);
        };
    }

    private static String quoted(String value) {
        return "\"" + (value.length() > 40 ? value.substring(0, 40) + "…" : value) + "\"";
    }

    private static void requireCount(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative (was " + value + ")");
        }
    }
}
