package io.taskstream.embedded;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers the server processes this JVM started (PostgreSQL, redis-server) in
 * {@code <runDir>/pids/*.pid}, so that a later start can kill the ones a {@code kill -9}'d JVM
 * left behind.
 *
 * <p>Each record names the owning JVM (pid and start instant). {@link #reapOrphans()} only touches
 * records whose owner is gone, so JVMs sharing one run directory (parallel test forks, a devstack
 * next to a test run) never kill each other's servers. A process is killed only if it is still
 * alive and its command line names an allowed program ({@code postgres}, {@code redis-server})
 * and contains the record's marker (the data directory, the port): a recycled pid is left alone.
 * The record's cleanup directory (the server's temp data) is deleted with it.
 */
public final class ProcessRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessRegistry.class);

    /** System property naming the run directory. */
    public static final String RUN_DIR_PROPERTY = "taskstream.embedded.run-dir";
    /** Environment variable naming the run directory (the system property wins). */
    public static final String RUN_DIR_ENV = "TASKSTREAM_EMBEDDED_RUN_DIR";

    static final Set<String> SERVER_PROGRAMS = Set.of("postgres", "redis-server");

    private static final Duration TERM_GRACE = Duration.ofSeconds(10);
    private static final Duration KILL_GRACE = Duration.ofSeconds(5);

    private static volatile ProcessRegistry defaultRegistry;

    private final Path runDir;
    private final Path pidDir;
    private final Set<String> programs;

    /** A registry in {@code runDir} that reaps {@code postgres} and {@code redis-server} processes. */
    public ProcessRegistry(Path runDir) {
        this(runDir, SERVER_PROGRAMS);
    }

    ProcessRegistry(Path runDir, Set<String> programs) {
        this.runDir = runDir.toAbsolutePath();
        this.pidDir = this.runDir.resolve("pids");
        this.programs = Set.copyOf(programs);
    }

    /**
     * The JVM-wide registry: {@code -Dtaskstream.embedded.run-dir}, else
     * {@code $TASKSTREAM_EMBEDDED_RUN_DIR}, else {@code ${java.io.tmpdir}/taskstream-embedded}.
     */
    public static ProcessRegistry defaultRegistry() {
        ProcessRegistry registry = defaultRegistry;
        if (registry == null) {
            synchronized (ProcessRegistry.class) {
                registry = defaultRegistry;
                if (registry == null) {
                    registry = new ProcessRegistry(defaultRunDir(System::getProperty, System::getenv));
                    defaultRegistry = registry;
                }
            }
        }
        return registry;
    }

    static Path defaultRunDir(Function<String, String> properties, Function<String, String> env) {
        String configured = properties.apply(RUN_DIR_PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = env.apply(RUN_DIR_ENV);
        }
        if (configured == null || configured.isBlank()) {
            return Paths.get(properties.apply("java.io.tmpdir"), "taskstream-embedded");
        }
        return Paths.get(configured);
    }

    public Path runDir() {
        return runDir;
    }

    /**
     * Records a server process owned by this JVM.
     *
     * @param name       a short label for logs ({@code postgres}, {@code redis})
     * @param pid        the server's pid, or {@code 0} when not known yet (then the reaper looks
     *                   for a process whose command line contains {@code marker})
     * @param marker     text the server's command line must contain to be killed (not blank)
     * @param cleanupDir a directory to delete when the record is reaped, or {@code null}
     */
    public Registration register(String name, long pid, String marker, Path cleanupDir) {
        return register(name, pid, marker, cleanupDir, ProcessHandle.current());
    }

    Registration register(String name, long pid, String marker, Path cleanupDir, ProcessHandle owner) {
        if (marker == null || marker.isBlank()) {
            throw new IllegalArgumentException("a marker is required to recognise the process");
        }
        Path file = pidDir.resolve(name + "-" + UUID.randomUUID() + ".pid");
        Registration registration = new Registration(file, name, marker, cleanupDir, owner);
        registration.write(pid);
        return registration;
    }

    /**
     * Kills the recorded servers whose owning JVM is gone and deletes their records and temp
     * directories. Records of live owners are left untouched.
     *
     * @return how many processes were killed
     */
    public int reapOrphans() {
        if (!Files.isDirectory(pidDir)) {
            return 0;
        }
        int killed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(pidDir, "*.pid")) {
            for (Path file : files) {
                killed += reap(file, true);
            }
        } catch (IOException e) {
            LOG.warn("Could not list {}: {}", pidDir, e.toString());
        }
        return killed;
    }

    /**
     * Kills the recorded server if it still runs (whoever owns it), deletes its cleanup directory
     * and forgets it: for a server whose start failed half-way, or whose stop did not finish.
     *
     * @return whether a process was killed
     */
    boolean killAndForget(Registration registration) {
        return reap(registration.file(), false) > 0;
    }

    private int reap(Path file, boolean onlyOrphans) {
        Properties record = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            record.load(reader);
        } catch (IOException e) {
            // vanished (another JVM reaped it) or unreadable: nothing to do
            return 0;
        }
        if (onlyOrphans && ownerAlive(record)) {
            return 0;
        }
        String name = record.getProperty("name", "?");
        String marker = record.getProperty("marker", "");
        long pid = parseLong(record.getProperty("pid"));
        int killed = 0;
        if (!marker.isBlank()) {
            List<ProcessHandle> targets = pid > 0
                    ? ProcessHandle.of(pid).stream().toList()
                    : ProcessHandle.allProcesses().toList();
            for (ProcessHandle target : targets) {
                if (target.isAlive() && matches(target, marker)) {
                    LOG.warn("Killing {} {} (pid {}) of JVM {}", onlyOrphans ? "orphaned" : "unstopped",
                            name, target.pid(), record.getProperty("owner"));
                    if (terminate(target)) {
                        killed++;
                    }
                }
            }
        }
        String cleanup = record.getProperty("cleanup");
        if (cleanup != null && !cleanup.isBlank()) {
            deleteRecursively(Paths.get(cleanup));
        }
        deleteQuietly(file);
        return killed;
    }

    private static boolean ownerAlive(Properties record) {
        long ownerPid = parseLong(record.getProperty("owner"));
        if (ownerPid <= 0) {
            return false;
        }
        Optional<ProcessHandle> owner = ProcessHandle.of(ownerPid).filter(ProcessHandle::isAlive);
        if (owner.isEmpty()) {
            return false;
        }
        String recordedStart = record.getProperty("ownerStart");
        if (recordedStart == null || recordedStart.isBlank()) {
            return true;
        }
        // a different start instant means the owner's pid has been recycled
        return owner.get().info().startInstant().map(Instant::toString).map(recordedStart::equals).orElse(true);
    }

    /** Whether {@code process} runs one of our programs and its command line contains {@code marker}. */
    boolean matches(ProcessHandle process, String marker) {
        String commandLine = commandLine(process);
        if (!commandLine.contains(marker)) {
            return false;
        }
        // Debian's /usr/bin/redis-server is a link to redis-check-rdb, and redis rewrites its argv
        // to "redis-server 127.0.0.1:<port>": look at the executable and at argv[0] both
        String argv0 = commandLine.isBlank() ? "" : commandLine.strip().split("\\s+", 2)[0];
        String executable = process.info().command().orElse("");
        return isProgram(argv0) || isProgram(executable);
    }

    private boolean isProgram(String path) {
        if (path.isBlank()) {
            return false;
        }
        Path fileName = Paths.get(path).getFileName();
        String base = fileName == null ? path : fileName.toString();
        for (String program : programs) {
            if (base.equals(program) || base.startsWith(program + "-")) {
                return true;
            }
        }
        return false;
    }

    /** The full command line, from /proc where available (Java's view loses rewritten argv). */
    static String commandLine(ProcessHandle process) {
        Path proc = Paths.get("/proc", Long.toString(process.pid()), "cmdline");
        try {
            byte[] raw = Files.readAllBytes(proc);
            if (raw.length > 0) {
                return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not Linux, or the process just exited: fall back to what the JDK reports
        }
        return process.info().commandLine().orElse("");
    }

    /** SIGTERM, bounded wait, then SIGKILL; true when the process is gone. */
    static boolean terminate(ProcessHandle process) {
        CompletableFuture<ProcessHandle> exit = process.onExit();
        process.destroy();
        if (awaitExit(exit, TERM_GRACE)) {
            return true;
        }
        process.destroyForcibly();
        return awaitExit(exit, KILL_GRACE);
    }

    private static boolean awaitExit(CompletableFuture<ProcessHandle> exit, Duration max) {
        try {
            exit.get(max.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static long parseLong(String value) {
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(ProcessRegistry::deleteQuietly);
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete {}: {}", dir, e.toString());
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.debug("Could not delete {}: {}", path, e.toString());
        }
    }

    /** One recorded server; {@link #close()} forgets it (call after the server stopped cleanly). */
    public final class Registration implements AutoCloseable {

        private final Path file;
        private final String name;
        private final String marker;
        private final Path cleanupDir;
        private final ProcessHandle owner;

        private Registration(Path file, String name, String marker, Path cleanupDir, ProcessHandle owner) {
            this.file = file;
            this.name = name;
            this.marker = marker;
            this.cleanupDir = cleanupDir;
            this.owner = owner;
        }

        /** Records the server's pid once it is known. */
        public void updatePid(long pid) {
            write(pid);
        }

        public Path file() {
            return file;
        }

        private void write(long pid) {
            Properties record = new Properties();
            record.setProperty("name", name);
            record.setProperty("pid", Long.toString(pid));
            record.setProperty("marker", marker);
            record.setProperty("owner", Long.toString(owner.pid()));
            owner.info().startInstant().ifPresent(start -> record.setProperty("ownerStart", start.toString()));
            if (cleanupDir != null) {
                record.setProperty("cleanup", cleanupDir.toAbsolutePath().toString());
            }
            try {
                Files.createDirectories(pidDir);
                // write-then-rename so a reaper in another JVM never reads half a record
                Path tmp = Files.createTempFile(pidDir, name, ".tmp");
                try (Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    record.store(writer, "taskstream embedded server");
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
        }

        @Override
        public void close() {
            deleteQuietly(file);
        }
    }
}
