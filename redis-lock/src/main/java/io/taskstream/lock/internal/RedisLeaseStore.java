package io.taskstream.lock.internal;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.taskstream.lock.LeaseException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@link LeaseStore} on Redis through Lettuce: one Lua script per operation, called by
 * {@code EVALSHA} and sent in full by {@code EVAL} when Redis answers {@code NOSCRIPT} (a restart
 * or {@code SCRIPT FLUSH} empties its script cache; {@code EVAL} fills it again).
 *
 * <p>Every call is bounded by the command timeout whatever the connection's own settings: on
 * timeout the Lettuce command is cancelled (so one still queued while disconnected is never
 * sent) and the future fails with a {@link LeaseException}.
 */
public final class RedisLeaseStore implements LeaseStore {

    private final RedisAsyncCommands<String, String> commands;
    private final LeaseKeys keys;
    private final Duration commandTimeout;
    private final String fenceRetentionMillis;
    private final LongAdder scriptReloads = new LongAdder();

    public RedisLeaseStore(StatefulRedisConnection<String, String> connection, LeaseKeys keys,
            Duration commandTimeout, Duration fenceRetention) {
        this.commands = connection.async();
        this.keys = keys;
        this.commandTimeout = commandTimeout;
        this.fenceRetentionMillis = Long.toString(fenceRetention.toMillis());
    }

    /** How many times a script was sent in full after Redis answered {@code NOSCRIPT}. */
    public long scriptReloads() {
        return scriptReloads.sum();
    }

    /**
     * Loads the scripts into Redis's script cache ({@code SCRIPT LOAD}), which also proves that
     * Redis is reachable and runs Lua.
     */
    public void loadScripts() {
        for (Script script : List.of(Script.ACQUIRE, Script.RENEW, Script.RELEASE)) {
            String sha = await(commands.scriptLoad(script.text()).toCompletableFuture(), "SCRIPT LOAD " + script.name());
            if (!script.sha().equalsIgnoreCase(sha)) {
                throw new LeaseException("Redis named script " + script.name() + " " + sha + ", expected " + script.sha());
            }
        }
    }

    @Override
    public CompletableFuture<Long> acquire(String resource, String owner, Duration ttl) {
        return run(Script.ACQUIRE, "acquire", resource,
                new String[] {keys.lease(resource), keys.fence(resource)},
                owner, Long.toString(ttl.toMillis()), fenceRetentionMillis);
    }

    @Override
    public CompletableFuture<Boolean> renew(Holder holder, Duration ttl) {
        return run(Script.RENEW, "renew", holder.resource(),
                new String[] {keys.lease(holder.resource()), keys.fence(holder.resource())},
                holder.value(), Long.toString(ttl.toMillis()), fenceRetentionMillis)
                .thenApply(result -> result == 1L);
    }

    @Override
    public CompletableFuture<Boolean> release(Holder holder) {
        return run(Script.RELEASE, "release", holder.resource(),
                new String[] {keys.lease(holder.resource())}, holder.value())
                .thenApply(result -> result == 1L);
    }

    private CompletableFuture<Long> run(Script script, String operation, String resource, String[] keys, String... args) {
        RedisFuture<Long> evalsha = commands.evalsha(script.sha(), ScriptOutputType.INTEGER, keys, args);
        AtomicReference<RedisFuture<Long>> eval = new AtomicReference<>();
        return evalsha.toCompletableFuture()
                .exceptionallyCompose(error -> {
                    if (!isNoScript(error)) {
                        return CompletableFuture.failedFuture(error);
                    }
                    scriptReloads.increment();
                    RedisFuture<Long> fallback = commands.eval(script.text(), ScriptOutputType.INTEGER, keys, args);
                    eval.set(fallback);
                    return fallback.toCompletableFuture();
                })
                .orTimeout(commandTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((result, error) -> {
                    if (error == null) {
                        return result;
                    }
                    Throwable cause = unwrap(error);
                    if (cause instanceof TimeoutException) {
                        evalsha.cancel(false);
                        RedisFuture<Long> fallback = eval.get();
                        if (fallback != null) {
                            fallback.cancel(false);
                        }
                        throw new LeaseException("Redis did not answer the " + operation + " of lease '" + resource
                                + "' within " + commandTimeout.toMillis() + " ms");
                    }
                    throw new LeaseException("Redis failed the " + operation + " of lease '" + resource + "': "
                            + cause.getMessage(), cause);
                });
    }

    private <T> T await(CompletableFuture<T> future, String what) {
        try {
            return future.get(commandTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(false);
            throw new LeaseException("Redis did not answer " + what + " within " + commandTimeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new LeaseException("Redis failed " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(false);
            throw new LeaseException("interrupted while waiting for " + what, e);
        }
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
}
