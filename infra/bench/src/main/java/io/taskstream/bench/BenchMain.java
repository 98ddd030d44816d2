package io.taskstream.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.taskstream.bench.suite.BenchSuite;
import io.taskstream.schemas.CronSchedule;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Topics;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./taskstream bench submit|schedules [options]}: a scenario against a running Taskstream
 * ({@link SubmitScenario}, {@link ScheduleScenario}). The endpoints default to those
 * {@code ./taskstream dev} wrote into {@code .taskstream/dev.json}.
 */
public final class BenchMain {

    static final Path DEV_JSON = Path.of(".taskstream", "dev.json");

    static final String USAGE = """
            usage: taskstream bench [--quick] [--out DIR] [--partitions N] [throughput-kafka|throughput-rest|latency|delayed|scaling…]
              the benchmark: starts its own devstack (or measures TASKSTREAM_API_URL …), runs the scenarios
              (all unless named) and writes bench-results/<timestamp>/report.{json,md,html}
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
            usage: taskstream bench schedules [options]
              --schedules N     cron schedules to write straight to the schedules topic (default 10000)
              --minutes M       minutes of fire times to measure, after the first fire time (default 3)
              --cron EXPR       every schedule's cron, UTC (default "%s")
              --type T --payload JSON   the task each fire submits (default %s %s)
              --timeout D       after the last fire time, how long to wait for missing fires (default 60s)
              --kafka HOST:PORT (default: from .taskstream/dev.json)   --topic-prefix P  (default taskstream.)
            """.formatted(SubmitScenario.DEFAULT_BODY, ScheduleScenario.DEFAULT_CRON, ScheduleScenario.DEFAULT_TYPE,
            ScheduleScenario.DEFAULT_PAYLOAD);

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        if (BenchSuite.handles(args)) {
            System.exit(BenchSuite.run(args, System::getenv, System.out, System.err));
        }
        System.exit(run(args, DEV_JSON, System.out, System.err));
    }

    /** Runs the command; the exit code: 0 done, 2 bad usage. */
    static int run(String[] args, Path devJson, PrintStream out, PrintStream err) throws Exception {
        Scenario scenario;
        try {
            scenario = parse(args, devJson);
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        }
        try {
            scenario.run(out);
        } catch (CronSchedule.InvalidCronException e) {
            // a cron the scheduler would refuse too, found before anything is written
            return usage(err, "--cron: " + e.getMessage());
        }
        return 0;
    }

    private static int usage(PrintStream err, String problem) {
        err.println("taskstream bench: " + problem);
        err.print(USAGE);
        return 2;
    }

    static Scenario parse(String[] args, Path devJson) throws IOException {
        Deque<String> rest = new ArrayDeque<>(List.of(args));
        String name = rest.isEmpty() ? "" : rest.pop();
        return switch (name) {
            case "submit" -> submit(options(rest, Set.of("--idempotent"), Set.of("--rate", "--duration", "--warmup",
                    "--batch", "--body", "--api", "--key", "--kafka", "--topic-prefix", "--projection-group",
                    "--worker-group")), devJson(devJson), devJson);
            case "schedules" -> schedules(options(rest, Set.of(), Set.of("--schedules", "--minutes", "--cron",
                    "--type", "--payload", "--timeout", "--kafka", "--topic-prefix")), devJson(devJson), devJson);
            default -> throw new IllegalArgumentException("unknown command '" + name + "': the benchmark is "
                    + "'./taskstream bench [--quick] [" + String.join("|", BenchSuite.SCENARIOS) + "…]'; "
                    + "'submit' and 'schedules' load a running ./taskstream dev");
        };
    }

    private static Map<String, String> options(Deque<String> rest, Set<String> flags, Set<String> valued) {
        Map<String, String> options = new HashMap<>();
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
        return options;
    }

    /** What {@code ./taskstream dev} wrote (apiUrl, kafkaBootstrap, adminKey …), or null without it. */
    private static JsonNode devJson(Path devJson) throws IOException {
        return Files.exists(devJson) ? Json.mapper().readTree(devJson.toFile()) : null;
    }

    private static SubmitScenario submit(Map<String, String> options, JsonNode dev, Path devJson) {
        String api = option(options, "--api", dev, "apiUrl");
        String key = option(options, "--key", dev, "adminKey");
        if (api == null || key == null) {
            throw new IllegalArgumentException("no API to load: start ./taskstream dev (it writes "
                    + devJson + ") or give --api and --key");
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

    private static ScheduleScenario schedules(Map<String, String> options, JsonNode dev, Path devJson) {
        String kafka = option(options, "--kafka", dev, "kafkaBootstrap");
        if (kafka == null) {
            throw new IllegalArgumentException("no Kafka to write the schedules to: start ./taskstream dev (it writes "
                    + devJson + ") or give --kafka");
        }
        return new ScheduleScenario(kafka, new Topics(options.getOrDefault("--topic-prefix", Topics.DEFAULT_PREFIX)),
                integer(options.getOrDefault("--schedules", "10000"), "--schedules"),
                integer(options.getOrDefault("--minutes", "3"), "--minutes"),
                options.getOrDefault("--cron", ScheduleScenario.DEFAULT_CRON),
                options.getOrDefault("--type", ScheduleScenario.DEFAULT_TYPE),
                options.getOrDefault("--payload", ScheduleScenario.DEFAULT_PAYLOAD),
                duration(options.getOrDefault("--timeout", "60s"), "--timeout"), Clock.systemUTC());
    }

    private static String option(Map<String, String> options, String name, JsonNode dev, String devField) {
        if (options.containsKey(name)) {
            return options.get(name);
        }
        return dev != null && dev.hasNonNull(devField) ? dev.get(devField).asString() : null;
    }

    private static int integer(String value, String name) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, not '" + value + "'");
        }
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
