package io.taskstream.bench;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.taskstream.schemas.Json;
import io.taskstream.schemas.Topics;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./taskstream bench submit [options]}: load against a running Taskstream. The endpoints
 * default to those {@code ./taskstream dev} wrote into {@code .taskstream/dev.json}.
 */
public final class BenchMain {

    static final String USAGE = """
            usage: taskstream bench submit [options]
              --rate N          requests per second (default 1000)
              --duration D      measured time, e.g. 60s or PT1M (default 60s)
              --warmup D        unrecorded time before it (default 15s)
              --batch N         tasks per request via POST /tasks:batch (default 0: single POST /tasks)
              --body JSON       one task (default %s)
              --idempotent      give every task a fresh idempotency key
              --api URL --key KEY --kafka HOST:PORT   (default: from .taskstream/dev.json)
              --topic-prefix P  (default taskstream.)
              --projection-group G  (default taskstream-projection)   --worker-group G  (default taskstream-workers)
            """.formatted(SubmitScenario.DEFAULT_BODY);

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.exit(run(args, Path.of(".taskstream", "dev.json"), System.out, System.err));
    }

    /** Runs the command; the exit code: 0 done, 2 bad usage. */
    static int run(String[] args, Path devJson, PrintStream out, PrintStream err) throws Exception {
        SubmitScenario scenario;
        try {
            scenario = parse(args, devJson);
        } catch (IllegalArgumentException e) {
            err.println("taskstream bench: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        scenario.run(out);
        return 0;
    }

    static SubmitScenario parse(String[] args, Path devJson) throws java.io.IOException {
        Deque<String> rest = new ArrayDeque<>(List.of(args));
        if (rest.isEmpty() || !rest.pop().equals("submit")) {
            throw new IllegalArgumentException("the scenario built so far is 'submit' (the full benchmark is issue #8)");
        }
        Map<String, String> options = new HashMap<>();
        Set<String> flags = Set.of("--idempotent");
        Set<String> valued = Set.of("--rate", "--duration", "--warmup", "--batch", "--body", "--api", "--key",
                "--kafka", "--topic-prefix", "--projection-group", "--worker-group");
        while (!rest.isEmpty()) {
            String option = rest.pop();
            if (flags.contains(option)) {
                options.put(option, "true");
            } else if (valued.contains(option)) {
                if (rest.isEmpty()) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                options.put(option, rest.pop());
            } else {
                throw new IllegalArgumentException("unknown option " + option);
            }
        }
        JsonNode dev = Files.exists(devJson) ? Json.mapper().readTree(devJson.toFile()) : null;
        String api = option(options, "--api", dev, "apiUrl");
        String key = option(options, "--key", dev, "adminKey");
        if (api == null || key == null) {
            throw new IllegalArgumentException("no API to load: start ./taskstream dev (it writes " + devJson
                    + ") or give --api and --key");
        }
        return new SubmitScenario(URI.create(api), key, option(options, "--kafka", dev, "kafkaBootstrap"),
                number(options.getOrDefault("--rate", "1000"), "--rate"),
                duration(options.getOrDefault("--warmup", "15s"), "--warmup"),
                duration(options.getOrDefault("--duration", "60s"), "--duration"),
                (int) number(options.getOrDefault("--batch", "0"), "--batch"),
                options.getOrDefault("--body", SubmitScenario.DEFAULT_BODY),
                options.containsKey("--idempotent"),
                new Topics(options.getOrDefault("--topic-prefix", Topics.DEFAULT_PREFIX)),
                options.getOrDefault("--projection-group", "taskstream-projection"),
                options.getOrDefault("--worker-group", "taskstream-workers"), Duration.ofSeconds(60));
    }

    private static String option(Map<String, String> options, String name, JsonNode dev, String devField) {
        if (options.containsKey(name)) {
            return options.get(name);
        }
        return dev != null && dev.hasNonNull(devField) ? dev.get(devField).asString() : null;
    }

    private static double number(String value, String name) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, not '" + value + "'");
        }
    }

    /** {@code 60s}, {@code 500ms}, {@code 2m} or ISO-8601 ({@code PT1M}). */
    static Duration duration(String value, String name) {
        try {
            if (value.startsWith("P") || value.startsWith("p")) {
                return Duration.parse(value);
            }
            if (value.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
            }
            long amount = Long.parseLong(value.substring(0, value.length() - 1));
            return switch (value.charAt(value.length() - 1)) {
                case 's' -> Duration.ofSeconds(amount);
                case 'm' -> Duration.ofMinutes(amount);
                case 'h' -> Duration.ofHours(amount);
                default -> throw new IllegalArgumentException(name + ": unknown unit in '" + value + "'");
            };
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
                    && iae.getMessage().startsWith(name)) {
                throw iae;
            }
            throw new IllegalArgumentException(name + " must be a duration such as 60s or PT1M, not '" + value + "'");
        }
    }
}
