package io.taskstream.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server (zonky's embedded binaries, 17.x) on a random loopback port, with its
 * data in a fresh temp directory that is deleted on {@link #close()}.
 *
 * <p>Authentication is {@code trust}: user {@code postgres}, empty password, database
 * {@code postgres}. {@code fsync} and {@code synchronous_commit} are off (test speed, not
 * durability), and {@code max_connections} is 300 so many connection pools fit.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);

    public static final String USER = "postgres";
    public static final String PASSWORD = "";
    public static final String DATABASE = "postgres";

    private static final Duration STARTUP_WAIT = Duration.ofSeconds(30);

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;
    private final ProcessRegistry registry;
    private final ProcessRegistry.Registration registration;
    private final long pid;
    private final Duration startupTime;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;

    private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres server,
                             ProcessRegistry registry, ProcessRegistry.Registration registration, long pid,
                             Duration startupTime) {
        this.server = server;
        this.registry = registry;
        this.registration = registration;
        this.pid = pid;
        this.startupTime = startupTime;
        this.shutdownHook = ShutdownHooks.register("embedded-postgres-" + server.getPort() + "-closer", this::close);
    }

    /** Starts a server, reaping orphans of the {@linkplain ProcessRegistry#defaultRegistry() default registry} first. */
    public static EmbeddedPostgres start() {
        ProcessRegistry registry = ProcessRegistry.defaultRegistry();
        registry.reapOrphans();
        return start(registry);
    }

    /** Starts a server recorded in {@code registry} (which the caller has reaped already). */
    public static EmbeddedPostgres start(ProcessRegistry registry) {
        long begin = System.nanoTime();
        Path workDir;
        try {
            workDir = Files.createTempDirectory("taskstream-pg-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir for PostgreSQL", e);
        }
        Path dataDir = workDir.resolve("data");
        // registered before the postmaster exists: pg_ctl daemonizes it, so a kill -9 between here
        // and the pid lookup must still leave a record; the reaper then finds it by its data dir
        ProcessRegistry.Registration registration = registry.register("postgres", 0, dataDir.toString(), workDir);
        Redirect output = Redirect.appendTo(workDir.resolve("postgres.log").toFile());
        io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;
        try {
            server = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(true)
                    .setPGStartupWait(STARTUP_WAIT)
                    // our own hook stops it after Spring's contexts are closed
                    .setRegisterShutdownHook(false)
                    // a file, not a pipe: an orphan outliving a kill -9'd JVM must keep a place to log
                    .setOutputRedirector(output)
                    .setErrorRedirector(output)
                    .start();
        } catch (IOException | RuntimeException e) {
            String log = logTail(workDir);
            registry.killAndForget(registration);
            throw new IllegalStateException("PostgreSQL did not start; log: " + log, e);
        }
        long pid = postmasterPid(dataDir);
        registration.updatePid(pid);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - begin);
        LOG.info("Embedded PostgreSQL up at jdbc:postgresql://127.0.0.1:{}/{} in {} ms (pid {}, data {})",
                server.getPort(), DATABASE, elapsed.toMillis(), pid, dataDir);
        return new EmbeddedPostgres(server, registry, registration, pid, elapsed);
    }

    /** The postmaster's pid: the first line of {@code postmaster.pid}, or 0 if unreadable. */
    static long postmasterPid(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            return lines.isEmpty() ? 0 : Long.parseLong(lines.getFirst().strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static String logTail(Path workDir) {
        try {
            List<String> lines = Files.readAllLines(workDir.resolve("postgres.log"), StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/postgres}. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + DATABASE;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    public int port() {
        return server.getPort();
    }

    /** The postmaster's pid (0 if it could not be read). */
    public long pid() {
        return pid;
    }

    /** Wall time from {@link #start()} until the server accepted a query. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Stops the server ({@code pg_ctl stop -m fast}) and deletes its data; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ShutdownHooks.unregister(shutdownHook);
        try {
            server.close();
        } catch (IOException e) {
            LOG.warn("Stopping PostgreSQL on port {} failed: {}", port(), e.toString());
        }
        // normally a no-op; if pg_ctl gave up, this stops the daemonized postmaster; then it
        // deletes the temp dir and the record
        if (registry.killAndForget(registration)) {
            LOG.warn("PostgreSQL on port {} had to be killed", port());
        }
        LOG.info("Embedded PostgreSQL on port {} stopped", port());
    }
}
