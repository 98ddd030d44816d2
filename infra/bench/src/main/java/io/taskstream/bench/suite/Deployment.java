package io.taskstream.bench.suite;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

import io.taskstream.schemas.Json;
import tools.jackson.databind.JsonNode;

/**
 * The Taskstream a run measures, and the worker processes the run starts against it.
 *
 * <p>Without {@code TASKSTREAM_API_URL} the run starts its own {@code ./taskstream dev} as a child
 * process, in a work directory of its own, on any free port, with 12 partitions per topic (unless told
 * otherwise) and no worker
 * inside ({@code TASKSTREAM_DEV_PARTITIONS}, {@code TASKSTREAM_DEV_WORKER=false}); it inherits the other
 * {@code TASKSTREAM_*} variables, so the machine's PostgreSQL or Redis can stand in for the embedded ones.
 * With {@code TASKSTREAM_API_URL} (+ {@code TASKSTREAM_ADMIN_KEY}, {@code TASKSTREAM_KAFKA_BOOTSTRAP},
 * {@code TASKSTREAM_DB_URL}[{@code _USER}, {@code _PASSWORD}], {@code TASKSTREAM_REDIS_URL}) it measures that
 * deployment instead. Either way the workers are the run's own processes ({@code taskstream run worker}),
 * so their number is known: other workers of the same group would take a share of the work.
 */
final class Deployment implements AutoCloseable {

    /**
     * Where to find the JVM and the runnable jars: system properties the launcher script sets, else this
     * JVM and the jars the build left under {@code root} ({@code <module>/target/<name>-*-exec.jar}).
     */
    record Launch(String java, List<String> jvmOptions, Path devstackJar, Path workerJar) {

        static Launch fromSystemProperties(Path root) throws IOException {
            String options = System.getProperty("taskstream.bench.jvm-options", "").strip();
            String devstack = System.getProperty("taskstream.bench.devstack-jar");
            String worker = System.getProperty("taskstream.bench.worker-jar");
            return new Launch(System.getProperty("taskstream.bench.java",
                    ProcessHandle.current().info().command().orElse("java")),
                    options.isEmpty() ? List.of() : List.of(options.split("\\s+")),
                    devstack != null ? Path.of(devstack) : runnableJar(root, "infra/devstack", "devstack"),
                    worker != null ? Path.of(worker) : runnableJar(root, "worker", "worker"));
        }

        static Path runnableJar(Path root, String module, String name) throws IOException {
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(root.resolve(module).resolve("target"),
                    name + "-*-exec.jar")) {
                for (Path jar : jars) {
                    return jar;
                }
            } catch (NoSuchFileException e) {
                // not built: said below
            }
            throw new IllegalStateException("no runnable jar of " + module + " under " + root.toAbsolutePath()
                    + ": build it first (./taskstream bench does)");
        }
    }

    /** One started process: a name, the process, its log. */
    record Child(String name, Process process, Path log) {
    }

    private final Endpoints endpoints;
    private final Optional<Child> devstack;
    private final Launch launch;
    private final Path dir;
    private final List<Child> workers = new ArrayList<>();

    /** The addresses of a running Taskstream. */
    record Endpoints(String apiUrl, String adminKey, String kafka, String jdbcUrl, String dbUser, String dbPassword,
                     String redisUrl) {
    }

    private Deployment(Endpoints endpoints, Optional<Child> devstack, Launch launch, Path dir) {
        this.endpoints = endpoints;
        this.devstack = devstack;
        this.launch = launch;
        this.dir = dir;
    }

    /** The deployment the environment names, or a fresh devstack started in {@code dir}. */
    static Deployment start(Function<String, String> env, Launch launch, Path dir, int partitions,
                            Duration startTimeout)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String api = env.apply("TASKSTREAM_API_URL");
        if (api != null && !api.isBlank()) {
            return new Deployment(external(env, api), Optional.empty(), launch, dir);
        }
        Path work = Files.createDirectories(dir.resolve("devstack"));
        Path log = dir.resolve("devstack.log");
        List<String> command = new ArrayList<>();
        command.add(launch.java());
        command.addAll(launch.jvmOptions());
        command.addAll(List.of("-jar", launch.devstackJar().toAbsolutePath().toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> childEnv = builder.environment();
        for (String name : List.of("TASKSTREAM_KAFKA_BOOTSTRAP", "TASKSTREAM_DB_URL", "TASKSTREAM_DB_USER",
                "TASKSTREAM_DB_PASSWORD", "TASKSTREAM_REDIS_URL")) {
            Optional.ofNullable(env.apply(name)).ifPresent(value -> childEnv.put(name, value));
        }
        childEnv.put("TASKSTREAM_HTTP_PORT", "0");
        childEnv.put("TASKSTREAM_DEV_PARTITIONS", String.valueOf(partitions));
        childEnv.put("TASKSTREAM_DEV_WORKER", "false");
        childEnv.remove("TASKSTREAM_DEV_ADMIN_KEY");
        Path devJson = work.resolve(".taskstream").resolve("dev.json");
        Files.deleteIfExists(devJson); // an earlier run's, naming ports that are gone
        Child child = new Child("devstack", builder.start(), log);
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (!Files.exists(devJson)) {
            if (!child.process().isAlive()) {
                throw new IllegalStateException("the devstack stopped before it was up (exit "
                        + child.process().exitValue() + "); its log: " + log + "\n" + tail(log));
            }
            if (System.nanoTime() > deadline) {
                child.process().destroyForcibly();
                throw new IllegalStateException("the devstack was not up within " + startTimeout.toSeconds()
                        + " s; its log: " + log + "\n" + tail(log));
            }
            Thread.sleep(200); // polling a child process's file: nothing to be notified by
        }
        JsonNode dev = readWhenComplete(devJson);
        Endpoints endpoints = new Endpoints(dev.get("apiUrl").asString(), dev.get("adminKey").asString(),
                dev.get("kafkaBootstrap").asString(), dev.get("jdbcUrl").asString(),
                Optional.ofNullable(env.apply("TASKSTREAM_DB_USER")).orElse("postgres"),
                Optional.ofNullable(env.apply("TASKSTREAM_DB_PASSWORD")).orElse(""), dev.get("redisUrl").asString());
        return new Deployment(endpoints, Optional.of(child), launch, dir);
    }

    private static JsonNode readWhenComplete(Path devJson) throws IOException, InterruptedException {
        for (int i = 0; ; i++) {
            try {
                JsonNode dev = Json.mapper().readTree(devJson.toFile());
                if (dev.hasNonNull("apiUrl") && dev.hasNonNull("adminKey")) {
                    return dev;
                }
            } catch (RuntimeException e) {
                if (i > 50) {
                    throw e;
                }
            }
            Thread.sleep(50); // the file may be caught half-written
        }
    }

    static Endpoints external(Function<String, String> env, String api) {
        List<String> missing = new ArrayList<>();
        for (String name : List.of("TASKSTREAM_ADMIN_KEY", "TASKSTREAM_KAFKA_BOOTSTRAP", "TASKSTREAM_DB_URL",
                "TASKSTREAM_REDIS_URL")) {
            if (env.apply(name) == null || env.apply(name).isBlank()) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("TASKSTREAM_API_URL is set, so the bench measures that deployment; it "
                    + "also needs " + String.join(", ", missing));
        }
        return new Endpoints(api.replaceAll("/+$", ""), env.apply("TASKSTREAM_ADMIN_KEY"),
                env.apply("TASKSTREAM_KAFKA_BOOTSTRAP"), env.apply("TASKSTREAM_DB_URL"),
                Optional.ofNullable(env.apply("TASKSTREAM_DB_USER")).orElse("postgres"),
                Optional.ofNullable(env.apply("TASKSTREAM_DB_PASSWORD")).orElse(""), env.apply("TASKSTREAM_REDIS_URL"));
    }

    Endpoints endpoints() {
        return endpoints;
    }

    /** The devstack's process, when the run started one. */
    Optional<Child> devstack() {
        return devstack;
    }

    List<Child> workers() {
        return List.copyOf(workers);
    }

    /** Starts one more worker process of {@code slots} slots; it joins the group on its own. */
    Child startWorker(int slots) throws IOException {
        int number = workers.size() + 1;
        Path log = dir.resolve("worker-" + number + ".log");
        List<String> command = new ArrayList<>();
        command.add(launch.java());
        command.addAll(launch.jvmOptions());
        command.addAll(List.of("-jar", launch.workerJar().toAbsolutePath().toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("TASKSTREAM_KAFKA_BOOTSTRAP", endpoints.kafka());
        env.put("TASKSTREAM_REDIS_URL", endpoints.redisUrl());
        env.put("TASKSTREAM_HTTP_PORT", "0");
        env.put("TASKSTREAM_WORKER_SLOTS", String.valueOf(slots));
        env.put("TASKSTREAM_WORKER_PREFETCH", String.valueOf(Math.max(250, slots * 2)));
        env.put("TASKSTREAM_WORKER_WORKER_ID", "bench-worker-" + number);
        Child child = new Child("worker-" + number, builder.start(), log);
        workers.add(child);
        return child;
    }

    /** Waits until the worker group is stable with {@code members} members (a new worker joined and got partitions). */
    static void awaitWorkers(Admin admin, String group, int members, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String seen = "not there yet";
            try {
                ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all()
                        .get(10, TimeUnit.SECONDS).get(group);
                if (description.groupState() == GroupState.STABLE && description.members().size() >= members) {
                    return;
                }
                seen = "state " + description.groupState() + ", members " + description.members().size();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the worker group " + group + " did not reach " + members
                        + " members within " + timeout.toSeconds() + " s (" + seen + ")");
            }
            Thread.sleep(250); // the group is another process's to change
        }
    }

    /** The last lines of a log, for a failure message. */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Stops the workers, then the devstack (SIGTERM, so it shuts down cleanly; killed after 60 s). */
    @Override
    public void close() throws InterruptedException {
        for (Child worker : workers.reversed()) {
            stop(worker, Duration.ofSeconds(30));
        }
        if (devstack.isPresent()) {
            stop(devstack.get(), Duration.ofSeconds(60));
        }
    }

    private static void stop(Child child, Duration grace) throws InterruptedException {
        child.process().destroy();
        if (!child.process().waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            child.process().descendants().forEach(ProcessHandle::destroyForcibly);
            child.process().destroyForcibly().waitFor();
        }
    }
}
