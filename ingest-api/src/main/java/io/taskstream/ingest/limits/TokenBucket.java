package io.taskstream.ingest.limits;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.taskstream.schemas.tracing.Tracing;

/**
 * The token buckets in Redis: one hash per (tenant, endpoint group),
 * {@code <prefix>{<tenant>}:<group>} (the braces keep a tenant's buckets in one Redis Cluster slot),
 * refilled and taken from by one Lua script, {@code token-bucket.lua}, so that concurrent requests on any
 * number of API nodes see one consistent bucket. The script is called by {@code EVALSHA} and sent in full
 * by {@code EVAL} when Redis answers {@code NOSCRIPT} (its script cache is empty after a restart), as
 * {@code redis-lock} does. A bucket expires when it would be full again, so idle tenants cost no memory.
 *
 * <p>Time comes from the caller ({@code nowMillis}, the API's injected clock), not from Redis: tests move
 * it, and API nodes must keep their clocks in sync (NTP). A node whose clock is behind the bucket's last
 * update refills nothing (the script never counts time twice), so a clock set back mints no tokens.
 */
public class TokenBucket {

    static final String SCRIPT_RESOURCE = "token-bucket.lua";
    static final String SCRIPT = load();
    static final String SHA = sha1(SCRIPT);

    private final StringRedisTemplate redis;
    private final String keyPrefix;
    private final Duration timeout;
    private final Tracing tracing;

    /**
     * @param keyPrefix prepended to every bucket's key
     * @param timeout   the longest wait for Redis's answer; beyond it the call fails
     */
    public TokenBucket(StringRedisTemplate redis, String keyPrefix, Duration timeout, Tracing tracing) {
        this.tracing = tracing;
        this.redis = redis;
        this.keyPrefix = keyPrefix;
        this.timeout = timeout;
    }

    /**
     * What one take decided.
     *
     * @param allowed            whether the request may proceed (its tokens were taken)
     * @param remaining          whole tokens left after it
     * @param millisUntilFull    how long until the bucket holds {@code burst} tokens again
     * @param millisUntilAllowed when refused: how long until the same request would be allowed; else 0
     */
    public record Take(boolean allowed, long remaining, long millisUntilFull, long millisUntilAllowed) {
    }

    /** Redis did not answer (in time) or failed the script: nothing was decided. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The Redis key of a tenant's bucket of a group. */
    public String key(String tenantId, EndpointGroup group) {
        return keyPrefix + "{" + tenantId + "}:" + group.wireName();
    }

    /**
     * Refills the bucket to {@code nowMillis} and takes {@code cost} tokens from it if it holds that many.
     *
     * @throws Unavailable when Redis does not answer within the timeout or fails
     */
    public Take take(String tenantId, EndpointGroup group, Limit limit, long nowMillis, int cost) {
        byte[][] keys = {bytes(key(tenantId, group))};
        byte[][] args = {bytes(Long.toString(nowMillis)), bytes(Integer.toString(limit.requestsPerMinute())),
                bytes(Integer.toString(limit.burst())), bytes(Integer.toString(cost))};
        List<?> answer;
        try {
            answer = tracing.client("redis", "EVALSHA token_bucket", () -> redis.execute((RedisCallback<List<?>>)
                    connection -> run((RedisClusterAsyncCommands<byte[], byte[]>) connection.getNativeConnection(),
                            keys, args)));
        } catch (DataAccessException | RedisException e) {
            throw new Unavailable("Redis is unavailable: " + e.getMessage(), e);
        }
        if (answer == null || answer.size() != 4) {
            throw new Unavailable("the token bucket script answered " + answer, null);
        }
        return new Take(number(answer.get(0)) == 1, number(answer.get(1)), number(answer.get(2)),
                number(answer.get(3)));
    }

    private List<?> run(RedisClusterAsyncCommands<byte[], byte[]> async, byte[][] keys, byte[][] args) {
        RedisFuture<List<Object>> evalsha = async.evalsha(SHA, ScriptOutputType.MULTI, keys, args);
        AtomicReference<RedisFuture<List<Object>>> eval = new AtomicReference<>();
        CompletableFuture<List<Object>> answer = evalsha.toCompletableFuture().exceptionallyCompose(error -> {
            if (!isNoScript(error)) {
                return CompletableFuture.failedFuture(error);
            }
            RedisFuture<List<Object>> full = async.eval(bytes(SCRIPT), ScriptOutputType.MULTI, keys, args);
            eval.set(full);
            return full.toCompletableFuture();
        });
        try {
            return answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // never sent later (a command queued while Lettuce reconnects would otherwise be)
            evalsha.cancel(false);
            RedisFuture<List<Object>> full = eval.get();
            if (full != null) {
                full.cancel(false);
            }
            throw new Unavailable("Redis did not answer within " + timeout.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            throw new Unavailable("Redis failed the token bucket script: " + unwrap(e).getMessage(), unwrap(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while waiting for Redis", e);
        }
    }

    private static long number(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        throw new Unavailable("the token bucket script answered " + value + " where a number belongs", null);
    }

    private static boolean isNoScript(Throwable error) {
        Throwable cause = unwrap(error);
        return cause instanceof RedisNoScriptException
                || (cause.getMessage() != null && cause.getMessage().startsWith("NOSCRIPT"));
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private static String load() {
        try (InputStream in = TokenBucket.class.getResourceAsStream(SCRIPT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Lua script " + SCRIPT_RESOURCE + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Lua script " + SCRIPT_RESOURCE, e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes(text)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-1", e);
        }
    }
}
