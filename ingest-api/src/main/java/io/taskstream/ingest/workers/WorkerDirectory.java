package io.taskstream.ingest.workers;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.RedisOperations;
import org.springframework.data.redis.core.SessionCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.schemas.WorkerHeartbeat;

/**
 * The workers the API knows of: those whose heartbeat is in Redis (docs/wire-conventions.md,
 * "Worker heartbeats"; read with {@link WorkerHeartbeat#fromHash}). A list is two round trips
 * whatever the number of workers: the index (a sorted set of worker ids), then every heartbeat hash in
 * one pipeline. An id in the index whose hash has expired is skipped, and so is a hash that
 * {@code fromHash} rejects (logged): another schema, a field that does not parse. Each heartbeat's
 * status is judged now, by the API's clock ({@link WorkerHealth}).
 *
 * <p>Redis unreachable (or slower than its command timeout) is {@code 503 dependency_unavailable}.
 */
public class WorkerDirectory {

    /** Worker ids as workers accept them; anything else is unknown without asking Redis. */
    static final Pattern WORKER_ID = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private static final Logger log = LoggerFactory.getLogger(WorkerDirectory.class);

    private final StringRedisTemplate redis;
    private final WorkersProperties properties;
    private final Clock clock;
    private final Duration retryAfter;

    public WorkerDirectory(StringRedisTemplate redis, WorkersProperties properties, Clock clock, Duration retryAfter) {
        this.redis = redis;
        this.properties = properties;
        this.clock = clock;
        this.retryAfter = retryAfter;
    }

    /** Every worker with a heartbeat, by id. */
    public List<WorkerView> list() {
        try {
            Set<String> indexed = redis.opsForZSet().range(properties.key(), 0, -1);
            List<String> ids = indexed == null ? List.of() : indexed.stream().sorted().toList();
            if (ids.isEmpty()) {
                return List.of();
            }
            List<Object> hashes = redis.executePipelined(new SessionCallback<Void>() {
                @Override
                @SuppressWarnings("unchecked")
                public <K, V> Void execute(RedisOperations<K, V> operations) {
                    RedisOperations<String, String> ops = (RedisOperations<String, String>) operations;
                    ids.forEach(id -> ops.opsForHash().entries(properties.workerKey(id)));
                    return null;
                }
            });
            Instant now = clock.instant();
            List<WorkerView> workers = new ArrayList<>();
            for (Object hash : hashes) {
                if (hash instanceof Map<?, ?> fields && !fields.isEmpty()) {
                    parse(fields).map(h -> WorkerView.of(h, WorkerHealth.assess(h, now))).ifPresent(workers::add);
                }
            }
            workers.sort(Comparator.comparing(WorkerView::id));
            return workers;
        } catch (DataAccessException e) {
            throw unavailable(e);
        }
    }

    /** One worker; {@code 404} when it has no heartbeat (never beat, stopped cleanly, expired). */
    public WorkerView get(String workerId) {
        if (!WORKER_ID.matcher(workerId).matches()) {
            throw notFound(workerId);
        }
        Map<Object, Object> fields;
        try {
            fields = redis.opsForHash().entries(properties.workerKey(workerId));
        } catch (DataAccessException e) {
            throw unavailable(e);
        }
        return parse(fields)
                .map(h -> WorkerView.of(h, WorkerHealth.assess(h, clock.instant())))
                .orElseThrow(() -> notFound(workerId));
    }

    private static Optional<WorkerHeartbeat> parse(Map<?, ?> fields) {
        if (fields.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> hash = new HashMap<>();
        fields.forEach((k, v) -> hash.put(String.valueOf(k), String.valueOf(v)));
        try {
            return Optional.of(WorkerHeartbeat.fromHash(hash));
        } catch (IllegalArgumentException e) {
            log.warn("Skipping a worker heartbeat that does not parse: {}", e.getMessage());
            return Optional.empty();
        }
    }

    private static ApiException notFound(String workerId) {
        return ApiException.notFound("no worker " + workerId + " has a heartbeat");
    }

    private ApiException unavailable(DataAccessException e) {
        return ApiException.dependencyUnavailable("Redis is unavailable, so workers cannot be listed; retry later",
                retryAfter, e);
    }
}
