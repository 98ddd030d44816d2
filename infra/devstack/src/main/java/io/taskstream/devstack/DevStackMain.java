package io.taskstream.devstack;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

import io.taskstream.embedded.EmbeddedInfrastructure;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code ./taskstream dev}: starts the {@link DevStack}, writes {@code .taskstream/dev.json},
 * prints where everything is and a {@code curl} to try, and runs until Ctrl-C / SIGTERM.
 */
public final class DevStackMain {

    private DevStackMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Optional<DevStack> started = start(System::getenv, Path.of(".taskstream").toAbsolutePath(), System.out,
                System.err);
        if (started.isEmpty()) {
            System.exit(1);
            return;
        }
        DevStack stack = started.get();
        CountDownLatch stopped = new CountDownLatch(1);
        // named so the embedded servers' own hooks wait for it: services stop before their servers
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping Taskstream dev…");
            stack.close();
            stopped.countDown();
        }, EmbeddedInfrastructure.APPLICATION_SHUTDOWN_THREAD));
        stopped.await();
    }

    /**
     * Reads the settings and launches; on a bad setting or a failed start prints one clear
     * sentence to {@code err} (nothing is left running) and answers empty.
     */
    static Optional<DevStack> start(Function<String, String> env, Path workDir, PrintStream out, PrintStream err) {
        DevSettings settings;
        try {
            settings = DevSettings.fromEnvironment(env, workDir, new SecureRandom());
        } catch (IllegalArgumentException e) {
            err.println("taskstream dev: " + e.getMessage());
            return Optional.empty();
        }
        try {
            return Optional.of(launch(settings, out));
        } catch (RuntimeException e) {
            err.println("taskstream dev: could not start: " + rootMessage(e));
            return Optional.empty();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return root == e ? message : e.getMessage() + " (" + message + ")";
    }

    /** Starts the stack, writes {@code dev.json} into the work directory and prints the banner. */
    static DevStack launch(DevSettings settings, PrintStream out) {
        DevStack stack = DevStack.start(settings);
        writeDevJson(stack, settings.workDir().resolve("dev.json"));
        out.print(banner(stack));
        out.flush();
        return stack;
    }

    static void writeDevJson(DevStack stack, Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, JsonMapper.builder().build().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(stack.describe()) + System.lineSeparator());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String banner(DevStack stack) {
        String api = stack.apiUrl();
        String key = stack.adminKey();
        return """

                Taskstream dev is up (%.1f s).
                  API          %s/api/v1
                  Dashboard    %s/   (arrives with a later issue; the API docs come at /swagger-ui.html)
                  Admin key    %s
                  Kafka        %s
                  PostgreSQL   %s
                  Redis        %s
                  (also in .taskstream/dev.json)

                Submit a task, then read it back:
                  curl -s -X POST %s/api/v1/tasks -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' -d '{"type": "log", "payload": {"message": "hello"}}'
                  curl -s %s/api/v1/tasks/<id> -H 'Authorization: Bearer %s'

                Ctrl-C stops everything.
                """.formatted(stack.startupTime().toMillis() / 1000.0, api, api, key,
                stack.endpoints().kafkaBootstrap(), stack.endpoints().jdbcUrl(), stack.endpoints().redisUrl(),
                api, key, api, key);
    }
}
