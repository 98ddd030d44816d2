package io.taskstream.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One service running as its own JVM from its runnable jar ({@code <module>/target/*-exec.jar}),
 * configured only by {@code TASKSTREAM_*} variables, as in production. Its output goes to
 * {@code target/e2e-logs/<name>.log}. {@link #kill()} is {@code kill -9}.
 */
final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final int port;
    private final Process process;
    private final Path log;

    private ServiceProcess(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code module}'s runnable jar with {@code env} (plus {@code TASKSTREAM_HTTP_PORT}). */
    static ServiceProcess start(String name, String module, int port, Map<String, String> env) {
        Path jar = runnableJar(module);
        Path logDir = Path.of("target", "e2e-logs");
        try {
            Files.createDirectories(logDir);
            Path log = logDir.resolve(name + ".log");
            List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx384m", "-XX:+UseSerialGC",
                    "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(env);
            builder.environment().put("TASKSTREAM_HTTP_PORT", String.valueOf(port));
            return new ServiceProcess(name, port, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the service answers its readiness probe with 200. */
    ServiceProcess awaitReady(Duration within) {
        await(name + " ready").atMost(within).pollInterval(Duration.ofMillis(250)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                return response.statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
        return this;
    }

    /** {@code kill -9}: no shutdown hook, no goodbye. */
    void kill() {
        process.destroyForcibly();
        waitFor();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int port() {
        return port;
    }

    /** SIGTERM, then waits (and kills after 30 s). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        waitFor();
    }

    private void waitFor() {
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static Path runnableJar(String module) {
        Path target = repositoryRoot().resolve(module).resolve("target");
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, module + "-*-exec.jar")) {
            for (Path jar : jars) {
                return jar;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("no " + target + " — build the services first", e);
        }
        throw new IllegalStateException("no runnable jar in " + target + " — build the services first");
    }

    static Path repositoryRoot() {
        return Path.of(System.getProperty("user.dir")).resolve("../..").normalize();
    }
}
