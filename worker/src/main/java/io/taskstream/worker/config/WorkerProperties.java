package io.taskstream.worker.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.ClassUtils;
import org.springframework.util.unit.DataSize;

import io.taskstream.schemas.Priority;

/**
 * The worker's settings, {@code taskstream.worker.*} (environment: {@code TASKSTREAM_WORKER_*}).
 * Defaults live here; a wrong value stops the start-up with one message naming the property.
 *
 * @param workerId         names this worker in results, events, logs and Kafka client ids; default
 *                         the host name plus a random suffix, so two workers on one host differ
 * @param groupId          the Kafka consumer group of the ready topics; workers of one group share
 *                         the work, each group gets every dispatch (default {@code taskstream-workers})
 * @param sampleHandlers   registers the sample handlers ({@code log}, {@code sleep}, {@code fail},
 *                         {@code email.send}, {@code report.generate}, {@code http.request}); default {@code false}, the
 *                         runnable worker's {@code worker.yml} turns it on
 * @param pollTimeout      how long one poll waits for dispatches; also how late a finished
 *                         dispatch's offset may be committed (default 1 s)
 * @param slots            attempts run at once, each on a virtual thread (default 100)
 * @param prefetch         dispatches of one priority polled but not finished at which the worker
 *                         stops fetching that priority (its partitions stay assigned); also
 *                         {@code max.poll.records} (default 250; at least {@code slots} keeps every
 *                         slot busy with one priority)
 * @param minimumShare     per priority, the least fraction of the last 100 attempt starts it gets
 *                         while more important work waits, so it never starves (default
 *                         {@code HIGH} 0.15, {@code NORMAL} 0.10, {@code LOW} 0.05; together below 1)
 * @param maxResultSize    a handler result larger than this, serialized, fails the attempt with
 *                         {@code result_too_large}, not retryable (default 64KB, at most 1MB)
 * @param shutdownTimeout  how long shutdown and a rebalance wait for running attempts; at shutdown an
 *                         attempt still running after it is interrupted and reports itself
 *                         interrupted, to run again at once (default 30 s)
 * @param timeoutGrace     a handler interrupted at its task's timeout that has not stopped after
 *                         this much more is abandoned (left running) and the attempt reported
 *                         {@code TIMED_OUT} (default 5 s, at most 1 m)
 * @param leases           whether each attempt runs under a Redis lease on its task (default
 *                         {@code true}); off, two workers may run one task at once around a
 *                         rebalance and results carry fencing token 0
 * @param leaseTtl         how long a task's lease lasts unless renewed; renewed every third of it
 *                         while the attempt runs (default 30 s, 1 s–10 m)
 * @param leaseRetry       how often an attempt whose task is held by another worker asks again,
 *                         until the dispatch's deadline (default 1 s, 10 ms–1 m)
 * @param cancelKeyPrefix  a task is cancelled while the Redis key {@code <prefix><taskId>} exists;
 *                         must be the prefix the API writes (default {@code taskstream:cancel:})
 * @param cancelCheckInterval how stale {@code TaskContext.isCancelled()} may be: while a handler
 *                         asks, the flag is re-read at most once per interval (default 500 ms;
 *                         {@code 0} reads on every call; at most 1 m)
 * @param nonRetryableExceptions fully qualified class names of exception types: a handler
 *                         exception assignable to one fails the attempt not retryable, like
 *                         {@code NonRetryableException} (default none); a name that is not a
 *                         {@code Throwable} on the class path stops the start-up
 */
@ConfigurationProperties("taskstream.worker")
public record WorkerProperties(
        String workerId,
        String groupId,
        Boolean sampleHandlers,
        Duration pollTimeout,
        Integer slots,
        Integer prefetch,
        Map<Priority, Double> minimumShare,
        DataSize maxResultSize,
        Duration shutdownTimeout,
        Duration timeoutGrace,
        Boolean leases,
        Duration leaseTtl,
        Duration leaseRetry,
        String cancelKeyPrefix,
        Duration cancelCheckInterval,
        List<String> nonRetryableExceptions) {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final Map<Priority, Double> DEFAULT_MINIMUM_SHARE =
            Map.of(Priority.HIGH, 0.15, Priority.NORMAL, 0.10, Priority.LOW, 0.05);

    public WorkerProperties {
        workerId = workerId != null ? workerId : defaultWorkerId();
        groupId = Objects.requireNonNullElse(groupId, "taskstream-workers");
        sampleHandlers = Objects.requireNonNullElse(sampleHandlers, false);
        pollTimeout = Objects.requireNonNullElse(pollTimeout, Duration.ofSeconds(1));
        slots = Objects.requireNonNullElse(slots, 100);
        prefetch = Objects.requireNonNullElse(prefetch, 250);
        minimumShare = minimumShare == null ? DEFAULT_MINIMUM_SHARE : Map.copyOf(minimumShare);
        maxResultSize = Objects.requireNonNullElse(maxResultSize, DataSize.ofKilobytes(64));
        shutdownTimeout = Objects.requireNonNullElse(shutdownTimeout, Duration.ofSeconds(30));
        timeoutGrace = Objects.requireNonNullElse(timeoutGrace, Duration.ofSeconds(5));
        leases = Objects.requireNonNullElse(leases, true);
        leaseTtl = Objects.requireNonNullElse(leaseTtl, Duration.ofSeconds(30));
        leaseRetry = Objects.requireNonNullElse(leaseRetry, Duration.ofSeconds(1));
        cancelKeyPrefix = Objects.requireNonNullElse(cancelKeyPrefix, "taskstream:cancel:");
        cancelCheckInterval = Objects.requireNonNullElse(cancelCheckInterval, Duration.ofMillis(500));
        nonRetryableExceptions = nonRetryableExceptions == null ? List.of()
                : nonRetryableExceptions.stream().map(String::strip).filter(name -> !name.isEmpty()).toList();

        require(ID.matcher(workerId).matches(), "worker-id",
                "must be 1 to 100 letters, digits, '.', '_' or '-'", workerId);
        require(!groupId.isBlank(), "group-id", "must not be blank", groupId);
        require(pollTimeout.compareTo(Duration.ofMillis(10)) >= 0 && pollTimeout.compareTo(Duration.ofMinutes(1)) <= 0,
                "poll-timeout", "must be between 10ms and 1m", pollTimeout);
        require(slots >= 1 && slots <= 10_000, "slots", "must be between 1 and 10000", slots);
        require(prefetch >= 1 && prefetch <= 10_000, "prefetch", "must be between 1 and 10000", prefetch);
        require(minimumShare.values().stream().allMatch(share -> share >= 0)
                        && minimumShare.values().stream().mapToDouble(Double::doubleValue).sum() < 1,
                "minimum-share", "must be fractions of at least 0 that add up to less than 1", minimumShare);
        require(maxResultSize.toBytes() >= 1 && maxResultSize.toBytes() <= DataSize.ofMegabytes(1).toBytes(),
                "max-result-size", "must be between 1B and 1MB", maxResultSize);
        require(!shutdownTimeout.isNegative(), "shutdown-timeout", "must not be negative", shutdownTimeout);
        require(!timeoutGrace.isNegative() && timeoutGrace.compareTo(Duration.ofMinutes(1)) <= 0, "timeout-grace",
                "must be between 0 and 1m", timeoutGrace);
        require(leaseTtl.compareTo(Duration.ofSeconds(1)) >= 0 && leaseTtl.compareTo(Duration.ofMinutes(10)) <= 0,
                "lease-ttl", "must be between 1s and 10m", leaseTtl);
        require(leaseRetry.compareTo(Duration.ofMillis(10)) >= 0 && leaseRetry.compareTo(Duration.ofMinutes(1)) <= 0,
                "lease-retry", "must be between 10ms and 1m", leaseRetry);
        require(!cancelKeyPrefix.isBlank(), "cancel-key-prefix", "must not be blank", cancelKeyPrefix);
        require(!cancelCheckInterval.isNegative() && cancelCheckInterval.compareTo(Duration.ofMinutes(1)) <= 0,
                "cancel-check-interval", "must be between 0 and 1m", cancelCheckInterval);
        List<String> unusable = new ArrayList<>();
        for (String name : nonRetryableExceptions) {
            Class<?> type = load(name);
            if (type == null) {
                unusable.add(name + " is not on the class path");
            } else if (!Throwable.class.isAssignableFrom(type)) {
                unusable.add(name + " is not a java.lang.Throwable");
            }
        }
        require(unusable.isEmpty(), "non-retryable-exceptions",
                "must name exception classes: " + String.join("; ", unusable),
                nonRetryableExceptions);
    }

    /** {@link #nonRetryableExceptions()} as classes (each name was checked at start-up). */
    public List<Class<? extends Throwable>> nonRetryableExceptionTypes() {
        return nonRetryableExceptions.stream()
                .<Class<? extends Throwable>>map(name -> load(name).asSubclass(Throwable.class))
                .toList();
    }

    /** The class of that name, or {@code null} if the class path has none. */
    private static Class<?> load(String name) {
        try {
            // the context class loader sees the application's classes, also under a restarting dev class loader
            return ClassUtils.forName(name, ClassUtils.getDefaultClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    private static void require(boolean ok, String property, String rule, Object value) {
        if (!ok) {
            throw new IllegalArgumentException("taskstream.worker." + property + " " + rule + " (was " + value + ")");
        }
    }

    static String defaultWorkerId() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "worker";
            }
        }
        String safe = host.replaceAll("[^A-Za-z0-9._-]", "-");
        safe = safe.substring(0, Math.min(safe.length(), 80));
        return safe + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    }
}
