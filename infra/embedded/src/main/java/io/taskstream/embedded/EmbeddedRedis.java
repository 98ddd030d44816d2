package io.taskstream.embedded;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;

/**
 * A real {@code redis-server} child process on a random loopback port, keeping nothing on disk.
 *
 * <p>The binary is the {@code redis-server} found on {@code PATH}, else the one bundled in
 * {@code com.github.codemonstur:embedded-redis}. {@link #start()} returns once the server answers
 * {@code PING}.
 */
public final class EmbeddedRedis implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);

    static final String PROGRAM = "redis-server";
    static final Duration READY_TIMEOUT = Duration.ofSeconds(15);
    private static final int START_ATTEMPTS = 3;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final int port;
    private final Path binary;
    private final Path workDir;
    private final ProcessRegistry.Registration registration;
    private final Duration startupTime;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;

    private EmbeddedRedis(Process process, int port, Path binary, Path workDir,
                          ProcessRegistry.Registration registration, Duration startupTime) {
        this.process = process;
        this.port = port;
        this.binary = binary;
        this.workDir = workDir;
        this.registration = registration;
        this.startupTime = startupTime;
        this.shutdownHook = ShutdownHooks.register("embedded-redis-" + port + "-closer", this::close);
    }

    /** Starts a server, reaping orphans of the {@linkplain ProcessRegistry#defaultRegistry() default registry} first. */
    public static EmbeddedRedis start() {
        ProcessRegistry registry = ProcessRegistry.defaultRegistry();
        registry.reapOrphans();
        return start(registry);
    }

    /** Starts a server recorded in {@code registry} (which the caller has reaped already). */
    public static EmbeddedRedis start(ProcessRegistry registry) {
        return start(registry, findBinary(System::getenv));
    }

    /**
     * Starts a fresh, empty server on {@code port} — one that a closed server used, say, to bring
     * Redis back for clients still configured with its URL (tests of an outage). Fails if the port
     * is taken.
     */
    public static EmbeddedRedis startOn(int port) {
        ProcessRegistry registry = ProcessRegistry.defaultRegistry();
        registry.reapOrphans();
        return start(registry, findBinary(System::getenv), () -> port);
    }

    /** Starts the given {@code redis-server} binary. */
    static EmbeddedRedis start(ProcessRegistry registry, Path binary) {
        return start(registry, binary, FreePorts::find);
    }

    /** Starts {@code binary} on a port from {@code ports}, asked again for each attempt. */
    private static EmbeddedRedis start(ProcessRegistry registry, Path binary, IntSupplier ports) {
        long begin = System.nanoTime();
        IllegalStateException failure = new IllegalStateException("redis-server did not start: " + binary);
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int port = ports.getAsInt();
            Path workDir = createWorkDir();
            Process process = null;
            ProcessRegistry.Registration registration = null;
            try {
                process = launch(binary, port, workDir);
                registration = registry.register("redis", process.pid(), Integer.toString(port), workDir);
                awaitPong(process, port, workDir, READY_TIMEOUT);
                Duration elapsed = Duration.ofNanos(System.nanoTime() - begin);
                LOG.info("Embedded Redis up at redis://127.0.0.1:{} in {} ms (binary {}, pid {})",
                        port, elapsed.toMillis(), binary, process.pid());
                return new EmbeddedRedis(process, port, binary, workDir, registration, elapsed);
            } catch (IOException | RuntimeException e) {
                // most likely lost the race for the port: clean up and try another one
                failure.addSuppressed(e);
                LOG.debug("redis-server attempt {} on port {} failed: {}", attempt, port, e.toString());
                if (process != null) {
                    stop(process);
                }
                if (registration != null) {
                    registration.close();
                }
                ProcessRegistry.deleteRecursively(workDir);
            }
        }
        throw failure;
    }

    /** {@code redis-server} on {@code PATH} (looked up through {@code env}), else the bundled binary. */
    static Path findBinary(Function<String, String> env) {
        return onPath(env.apply("PATH")).orElseGet(EmbeddedRedis::bundledBinary);
    }

    static Optional<Path> onPath(String path) {
        if (path == null || path.isBlank()) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            Path candidate = Paths.get(dir, PROGRAM);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static Path bundledBinary() {
        try {
            return ExecutableProvider.newJarResourceProvider().get().toPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the bundled redis-server", e);
        }
    }

    private static Path createWorkDir() {
        try {
            return Files.createTempDirectory("taskstream-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir for redis-server", e);
        }
    }

    private static Process launch(Path binary, int port, Path workDir) throws IOException {
        List<String> command = List.of(binary.toString(),
                "--port", Integer.toString(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--dir", workDir.toString());
        // output to a file, not a pipe: an orphan outliving a kill -9'd JVM must not die of SIGPIPE
        return new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("redis.log").toFile())
                .start();
    }

    private static void awaitPong(Process process, int port, Path workDir, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + ": " + logTail(workDir));
            }
            try {
                String reply = Resp.ping("127.0.0.1", port, 250);
                if (reply.startsWith("+PONG")) {
                    return;
                }
                last = reply;
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        throw new IOException("redis-server on port " + port + " did not answer PING within " + timeout
                + " (last: " + last + "): " + logTail(workDir));
    }

    private static String logTail(Path workDir) {
        try {
            List<String> lines = Files.readAllLines(workDir.resolve("redis.log"), StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** The binary that runs (from {@code PATH} or bundled). */
    public Path binary() {
        return binary;
    }

    /** Wall time from {@link #start()} until the server answered {@code PING}. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Stops the server (SIGTERM, then SIGKILL after 10 s) and deletes its temp dir; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ShutdownHooks.unregister(shutdownHook);
        stop(process);
        registration.close();
        ProcessRegistry.deleteRecursively(workDir);
        LOG.info("Embedded Redis on port {} stopped", port);
    }
}
