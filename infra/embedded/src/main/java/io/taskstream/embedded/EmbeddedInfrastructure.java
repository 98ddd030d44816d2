package io.taskstream.embedded;

import java.io.IOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka, PostgreSQL and Redis for one JVM: embedded servers started in parallel, or the
 * machine's own PostgreSQL / Redis when {@link LocalServers} names them (Kafka is always
 * embedded). {@link #close()} stops the embedded ones in reverse order (Redis, PostgreSQL, Kafka)
 * and drops the databases {@link #freshDatabase} created on a local server.
 *
 * <pre>{@code
 * try (EmbeddedInfrastructure infra = EmbeddedInfrastructure.start()) {
 *     Infrastructure endpoints = infra.infrastructure();
 *     ...
 * }
 * }</pre>
 */
public final class EmbeddedInfrastructure implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedInfrastructure.class);

    /**
     * Name a launcher's own shutdown-hook thread this (it stops the applications that use the
     * servers): the servers' hooks wait for it, as they wait for Spring's, before stopping.
     */
    public static final String APPLICATION_SHUTDOWN_THREAD = "taskstream-application-shutdown";

    private final EmbeddedKafka kafka;
    private final EmbeddedPostgres postgres;
    private final EmbeddedRedis redis;
    private final Infrastructure infrastructure;
    private final Duration startupTime;
    private final Set<String> createdDatabases = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedInfrastructure(EmbeddedKafka kafka, EmbeddedPostgres postgres, EmbeddedRedis redis,
                                   Infrastructure infrastructure, Duration startupTime) {
        this.kafka = kafka;
        this.postgres = postgres;
        this.redis = redis;
        this.infrastructure = infrastructure;
        this.startupTime = startupTime;
    }

    /** All three servers embedded (the devstack). */
    public static EmbeddedInfrastructure start() {
        return start(LocalServers.NONE);
    }

    /** For tests: embedded servers unless the {@code TASKSTREAM_TEST_*} variables name local ones. */
    public static EmbeddedInfrastructure startForTests() {
        return start(LocalServers.fromEnvironment());
    }

    /** Embedded Kafka; PostgreSQL and Redis embedded or local as {@code local} says. */
    public static EmbeddedInfrastructure start(LocalServers local) {
        return start(local, ProcessRegistry.defaultRegistry());
    }

    /** As {@link #start(LocalServers)}, recording server processes in {@code registry} (after reaping its orphans). */
    public static EmbeddedInfrastructure start(LocalServers local, ProcessRegistry registry) {
        long begin = System.nanoTime();
        int reaped = registry.reapOrphans();
        if (reaped > 0) {
            LOG.warn("Killed {} server process(es) left behind by a JVM that died", reaped);
        }
        ExecutorService executor = Executors.newFixedThreadPool(3, runnable -> {
            Thread thread = new Thread(runnable, "embedded-infra-start");
            thread.setDaemon(true);
            return thread;
        });
        try {
            CompletableFuture<EmbeddedKafka> kafka = local.localKafka()
                    ? CompletableFuture.completedFuture(null)
                    : supply(EmbeddedKafka::start, executor);
            CompletableFuture<EmbeddedPostgres> postgres = local.localDatabase()
                    ? CompletableFuture.completedFuture(null)
                    : supply(() -> EmbeddedPostgres.start(registry), executor);
            CompletableFuture<EmbeddedRedis> redis = local.localRedis()
                    ? CompletableFuture.completedFuture(null)
                    : supply(() -> EmbeddedRedis.start(registry), executor);
            CompletableFuture<Void> checks = CompletableFuture.runAsync(() -> checkLocal(local), executor);
            try {
                CompletableFuture.allOf(kafka, postgres, redis, checks).join();
            } catch (CompletionException e) {
                // stop whatever did start, then report the first failure
                closeAll(List.of(redis, postgres, kafka));
                throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
            }
            Infrastructure endpoints = new Infrastructure(
                    local.kafkaBootstrap().orElseGet(() -> kafka.join().bootstrapServers()),
                    local.jdbcUrl().orElseGet(() -> postgres.join().jdbcUrl()),
                    local.localDatabase() ? local.dbUser() : EmbeddedPostgres.USER,
                    local.localDatabase() ? local.dbPassword() : EmbeddedPostgres.PASSWORD,
                    local.redisUrl().orElseGet(() -> redis.join().url()));
            Duration elapsed = Duration.ofNanos(System.nanoTime() - begin);
            LOG.info("Infrastructure ready in {} ms: Kafka {} ({}), PostgreSQL {} ({}), Redis {} ({})",
                    elapsed.toMillis(), endpoints.kafkaBootstrap(), local.localKafka() ? "given" : "embedded",
                    endpoints.jdbcUrl(), local.localDatabase() ? "local" : "embedded",
                    endpoints.redisUrl(), local.localRedis() ? "local" : "embedded");
            return new EmbeddedInfrastructure(kafka.join(), postgres.join(), redis.join(), endpoints, elapsed);
        } finally {
            executor.shutdown();
        }
    }

    private static <T> CompletableFuture<T> supply(Supplier<T> start, ExecutorService executor) {
        return CompletableFuture.supplyAsync(start, executor);
    }

    /** Fails fast, with the variable's name, when a configured local server does not answer. */
    static void checkLocal(LocalServers local) {
        local.jdbcUrl().ifPresent(url -> {
            try (Connection connection = DriverManager.getConnection(url, local.dbUser(), local.dbPassword())) {
                connection.isValid(5);
            } catch (SQLException e) {
                throw new IllegalStateException(LocalServers.DB_URL + "=" + url + " is not reachable: " + e.getMessage(), e);
            }
        });
        local.redisUrl().ifPresent(url -> {
            URI uri = URI.create(url);
            int port = uri.getPort() > 0 ? uri.getPort() : 6379;
            try {
                // any reply will do (+PONG, or -NOAUTH when the server wants a password)
                Resp.ping(uri.getHost(), port, 2000);
            } catch (IOException e) {
                throw new IllegalStateException(LocalServers.REDIS_URL + "=" + url + " is not reachable: " + e, e);
            }
        });
    }

    /** Closes what started; {@code allOf} has already waited for every future to finish. */
    private static void closeAll(List<? extends CompletableFuture<? extends AutoCloseable>> servers) {
        for (CompletableFuture<? extends AutoCloseable> server : servers) {
            if (!server.isCompletedExceptionally()) {
                closeQuietly(server.join());
            }
        }
    }

    private static void closeQuietly(AutoCloseable resource) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception e) {
            LOG.warn("Closing {} failed: {}", resource.getClass().getSimpleName(), e.toString());
        }
    }

    /** The endpoints; the JDBC URL names the server's default database. */
    public Infrastructure infrastructure() {
        return infrastructure;
    }

    /**
     * Creates a new, uniquely named database ({@code ts_<hint>_<random>}) on the PostgreSQL
     * server and returns the endpoints with the JDBC URL pointing at it, so tests sharing a
     * server never see each other's tables. On a local server the database is dropped by
     * {@link #close()}.
     */
    public Infrastructure freshDatabase(String hint) {
        if (closed.get()) {
            throw new IllegalStateException("closed");
        }
        String name = Databases.uniqueName(hint);
        Databases.create(infrastructure, name);
        createdDatabases.add(name);
        LOG.debug("Created database {}", name);
        return infrastructure.withDatabase(name);
    }

    /** Whether PostgreSQL is embedded (else the machine's, from {@link LocalServers}). */
    public boolean embeddedPostgres() {
        return postgres != null;
    }

    /** Whether Redis is embedded (else the machine's, from {@link LocalServers}). */
    public boolean embeddedRedis() {
        return redis != null;
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    /** Wall time of {@link #start()}, the servers starting in parallel. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Drops databases created on a local server, then stops Redis, PostgreSQL and Kafka; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<RuntimeException> failures = new ArrayList<>();
        if (postgres == null) {
            // the machine's server outlives us: leave it as we found it
            for (String name : createdDatabases) {
                run(() -> Databases.drop(infrastructure, name), failures);
            }
        }
        run(() -> closeQuietly(redis), failures);
        run(() -> closeQuietly(postgres), failures);
        run(() -> closeQuietly(kafka), failures);
        if (!failures.isEmpty()) {
            IllegalStateException failure = new IllegalStateException("closing the infrastructure failed");
            failures.forEach(failure::addSuppressed);
            throw failure;
        }
    }

    private static void run(Runnable step, List<RuntimeException> failures) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }
}
