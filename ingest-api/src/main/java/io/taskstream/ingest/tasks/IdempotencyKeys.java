package io.taskstream.ingest.tasks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

/**
 * The Redis fast path of idempotency keys: one entry per (tenant, key),
 * {@code taskstream:idempotency:<tenant>:<key>}, holding {@code <state>|<taskId>|<createdAt>|<request
 * SHA-256, hex>}. A tenant id has no {@code :}, so the key cannot be confused with another tenant's.
 *
 * <ul>
 *   <li>{@link #reserve}: {@code GET}, and {@code SET … PX} when the key is free, in one Lua script —
 *       the {@code SET NX} of the request that will produce the task, state {@code reserved}, with a
 *       short lease ({@code reservationTtl}) so that a crashed winner blocks the key only that long;</li>
 *   <li>{@link #settle}: compare-and-set or compare-and-delete, in one Lua script — the winner turns
 *       its reservation into {@code accepted} (TTL {@code acceptedTtl}, {@code idempotency-ttl}) once
 *       Kafka has the task, or releases it when producing failed, in both cases only if the entry is
 *       still the one it wrote (a reservation that expired meanwhile may belong to another request).</li>
 * </ul>
 * The commands of a batch go out together on Lettuce's shared connection (its async API: every command
 * is written before any answer is awaited), so a batch of 1,000 keys costs one round trip, not 1,000.
 * A Redis that does not answer within {@code timeout} is {@link Unavailable}: the caller falls back to
 * the Postgres advisory lock ({@link TaskSubmitter}).
 */
public class IdempotencyKeys {

    private static final Logger log = LoggerFactory.getLogger(IdempotencyKeys.class);

    static final String PREFIX = "taskstream:idempotency:";

    /** ARGV: the reservation, its lease (ms). Returns what the key held, or nil when it was free and is now ours. */
    private static final String RESERVE = """
            local held = redis.call('GET', KEYS[1])
            if held then
              return held
            end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            return false
            """;

    /** ARGV: the entry we wrote, its replacement ('' deletes), the replacement's TTL (ms). Returns 1 if done. */
    private static final String SETTLE = """
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then
              return 0
            end
            if ARGV[2] == '' then
              redis.call('DEL', KEYS[1])
            else
              redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
            end
            return 1
            """;

    private final StringRedisTemplate redis;
    private final Duration reservationTtl;
    private final Duration acceptedTtl;
    private final Duration timeout;

    /**
     * @param reservationTtl the lease of a reservation: longer than a winner needs to check Postgres and
     *                       produce, short enough that a winner that crashed meanwhile frees the key soon
     * @param acceptedTtl    how long an accepted key is remembered ({@code idempotency-ttl})
     * @param timeout        the longest wait for Redis's answers to one call
     */
    public IdempotencyKeys(StringRedisTemplate redis, Duration reservationTtl, Duration acceptedTtl,
            Duration timeout) {
        this.redis = redis;
        this.reservationTtl = reservationTtl;
        this.acceptedTtl = acceptedTtl;
        this.timeout = timeout;
    }

    /** The state of an entry: a request is producing the task, or Kafka has it. */
    public enum State {
        RESERVED, ACCEPTED
    }

    /** What an idempotency key's entry holds. */
    public record Entry(State state, UUID taskId, Instant createdAt, byte[] requestHash) {

        static Entry reserved(UUID taskId, Instant createdAt, byte[] requestHash) {
            return new Entry(State.RESERVED, taskId, createdAt, requestHash);
        }

        Entry accepted() {
            return new Entry(State.ACCEPTED, taskId, createdAt, requestHash);
        }

        String encode() {
            return state.name().toLowerCase(Locale.ROOT) + "|" + taskId + "|" + createdAt + "|"
                    + HexFormat.of().formatHex(requestHash);
        }

        static Entry decode(String value) {
            String[] parts = value.split("\\|", -1);
            if (parts.length != 4) {
                throw new IllegalArgumentException("not an idempotency entry: " + value);
            }
            return new Entry(State.valueOf(parts[0].toUpperCase(Locale.ROOT)), UUID.fromString(parts[1]),
                    Instant.parse(parts[2]), HexFormat.of().parseHex(parts[3]));
        }
    }

    /** A key to reserve with the entry to write when it is free. */
    public record Claim(String idempotencyKey, Entry reservation) {
    }

    /**
     * What becomes of a reservation: replaced by {@code replacement} (an {@code accepted} entry), or
     * released when {@code replacement} is null — in both cases only if the key still holds it.
     */
    public record Settlement(String idempotencyKey, Entry reservation, Entry replacement) {
    }

    /** Redis did not answer (in time); nothing can be said about the keys. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(Throwable cause) {
            super("Redis is unavailable: " + cause, cause);
        }
    }

    /** The Redis key of an idempotency key of a tenant. */
    static String redisKey(String tenantId, String idempotencyKey) {
        return PREFIX + tenantId + ":" + idempotencyKey;
    }

    /**
     * Tries to reserve every claim's key, all in one round trip. Returns, for each claim in order, null
     * when the key was free and is now reserved by it, else the entry the key holds.
     *
     * @throws Unavailable when Redis does not answer; some of the keys may be reserved nonetheless (their
     *                     leases free them)
     */
    public List<Entry> reserve(String tenantId, List<Claim> claims) {
        List<byte[]> answers = run(claims.size(), async -> {
            List<Future<byte[]>> futures = new ArrayList<>(claims.size());
            for (Claim claim : claims) {
                futures.add(async.eval(RESERVE, ScriptOutputType.VALUE, keys(tenantId, claim.idempotencyKey()),
                        bytes(claim.reservation().encode()), bytes(Long.toString(reservationTtl.toMillis()))));
            }
            return futures;
        });
        List<Entry> held = new ArrayList<>(answers.size());
        for (byte[] answer : answers) {
            held.add(answer == null ? null : Entry.decode(new String(answer, StandardCharsets.UTF_8)));
        }
        return held;
    }

    /**
     * Settles reservations, all in one round trip. Best effort: when Redis does not answer, the failure is
     * logged and the reservations expire with their leases.
     */
    public void settle(String tenantId, List<Settlement> settlements) {
        if (settlements.isEmpty()) {
            return;
        }
        try {
            run(settlements.size(), async -> {
                List<Future<Long>> futures = new ArrayList<>(settlements.size());
                for (Settlement s : settlements) {
                    futures.add(async.eval(SETTLE, ScriptOutputType.INTEGER, keys(tenantId, s.idempotencyKey()),
                            bytes(s.reservation().encode()),
                            bytes(s.replacement() == null ? "" : s.replacement().encode()),
                            bytes(Long.toString(acceptedTtl.toMillis()))));
                }
                return futures;
            });
        } catch (Unavailable e) {
            log.warn("could not settle {} idempotency reservation(s) of tenant {}; they expire within {}: {}",
                    settlements.size(), tenantId, reservationTtl, e.getMessage());
        }
    }

    private interface Commands<T> {
        List<Future<T>> send(RedisClusterAsyncCommands<byte[], byte[]> async);
    }

    /**
     * Sends the commands on the connection without waiting, then awaits all answers within
     * {@code timeout} — still inside the callback, so the connection outlives its commands whatever
     * kind it is (with Spring Boot's defaults it is Lettuce's shared one).
     */
    @SuppressWarnings("unchecked")
    private <T> List<T> run(int count, Commands<T> commands) {
        if (count == 0) {
            return List.of();
        }
        try {
            return redis.execute((RedisCallback<List<T>>) connection -> awaitAll(
                    commands.send((RedisClusterAsyncCommands<byte[], byte[]>) connection.getNativeConnection())));
        } catch (DataAccessException | RedisException e) {
            throw new Unavailable(e);
        }
    }

    private <T> List<T> awaitAll(List<Future<T>> futures) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<T> answers = new ArrayList<>(futures.size());
        for (Future<T> future : futures) {
            try {
                answers.add(future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Unavailable(e);
            } catch (ExecutionException e) {
                throw new Unavailable(e.getCause());
            } catch (TimeoutException e) {
                throw new Unavailable(e);
            }
        }
        return answers;
    }

    private static byte[][] keys(String tenantId, String idempotencyKey) {
        return new byte[][] {bytes(redisKey(tenantId, idempotencyKey))};
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
