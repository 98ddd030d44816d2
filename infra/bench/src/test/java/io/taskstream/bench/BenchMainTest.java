package io.taskstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchMainTest {

    @TempDir
    Path dir;

    @Test
    void endpointsComeFromDevJsonUnlessGiven() throws Exception {
        Path devJson = dir.resolve("dev.json");
        Files.writeString(devJson, """
                {"apiUrl": "http://127.0.0.1:8080", "kafkaBootstrap": "127.0.0.1:9092", "adminKey": "ts_dev_key"}""");

        SubmitScenario fromDev = (SubmitScenario) BenchMain.parse(new String[] {"submit"}, devJson);
        SubmitScenario given = (SubmitScenario) BenchMain.parse(new String[] {"submit", "--api", "http://h:1", "--key", "k",
                "--kafka", "h:2", "--rate", "250", "--duration", "PT2M", "--warmup", "500ms", "--batch", "10",
                "--idempotent", "--body", "{\"type\": \"log\", \"payload\": {}}", "--topic-prefix", "x.",
                "--projection-group", "p", "--worker-group", "w"}, devJson);

        assertThat(fromDev.api()).hasToString("http://127.0.0.1:8080");
        assertThat(fromDev.apiKey()).isEqualTo("ts_dev_key");
        assertThat(fromDev.kafka()).isEqualTo("127.0.0.1:9092");
        assertThat(fromDev.rate()).isEqualTo(1000);
        assertThat(fromDev.duration()).isEqualTo(Duration.ofSeconds(60));
        assertThat(fromDev.warmup()).isEqualTo(Duration.ofSeconds(15));
        assertThat(fromDev.batch()).isZero();
        assertThat(fromDev.idempotent()).isFalse();
        assertThat(fromDev.body()).isEqualTo(SubmitScenario.DEFAULT_BODY);

        assertThat(given.api()).hasToString("http://h:1");
        assertThat(given.kafka()).isEqualTo("h:2");
        assertThat(given.rate()).isEqualTo(250);
        assertThat(given.duration()).isEqualTo(Duration.ofMinutes(2));
        assertThat(given.warmup()).isEqualTo(Duration.ofMillis(500));
        assertThat(given.batch()).isEqualTo(10);
        assertThat(given.idempotent()).isTrue();
        assertThat(given.topics().events()).isEqualTo("x.events");
        assertThat(given.projectionGroup()).isEqualTo("p");
        assertThat(given.workerGroup()).isEqualTo("w");
    }

    @Test
    void schedulesTakeKafkaFromDevJsonAndDefaultToTenThousandEveryMinuteForThreeMinutes() throws Exception {
        Path devJson = dir.resolve("dev.json");
        Files.writeString(devJson, """
                {"apiUrl": "http://127.0.0.1:8080", "kafkaBootstrap": "127.0.0.1:9092", "adminKey": "ts_dev_key"}""");

        ScheduleScenario fromDev = (ScheduleScenario) BenchMain.parse(new String[] {"schedules"}, devJson);
        ScheduleScenario given = (ScheduleScenario) BenchMain.parse(new String[] {"schedules", "--schedules", "1000",
                "--minutes", "5", "--cron", "*/2 * * * *", "--type", "sleep", "--payload", "{\"ms\": 0}",
                "--timeout", "2m", "--kafka", "h:2", "--topic-prefix", "x."}, devJson);

        assertThat(fromDev.kafka()).isEqualTo("127.0.0.1:9092");
        assertThat(fromDev.schedules()).isEqualTo(10_000);
        assertThat(fromDev.minutes()).isEqualTo(3);
        assertThat(fromDev.cron()).isEqualTo("* * * * *");
        assertThat(fromDev.type()).isEqualTo("log");
        assertThat(fromDev.payload()).isEqualTo(ScheduleScenario.DEFAULT_PAYLOAD);
        assertThat(fromDev.timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(fromDev.topics().schedules()).isEqualTo("taskstream.schedules");

        assertThat(given.kafka()).isEqualTo("h:2");
        assertThat(given.schedules()).isEqualTo(1000);
        assertThat(given.minutes()).isEqualTo(5);
        assertThat(given.cron()).isEqualTo("*/2 * * * *");
        assertThat(given.type()).isEqualTo("sleep");
        assertThat(given.payload()).isEqualTo("{\"ms\": 0}");
        assertThat(given.timeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(given.topics().schedules()).isEqualTo("x.schedules");
    }

    @Test
    void badScheduleOptionsAreExitCodeTwoWithTheReason() throws Exception {
        assertThat(usageError(new String[] {"schedules"})).contains("no Kafka to write the schedules to");
        assertThat(usageError(new String[] {"schedules", "--kafka", "h:1", "--schedules", "many"}))
                .contains("--schedules must be a whole number, not 'many'");
        assertThat(usageError(new String[] {"schedules", "--kafka", "h:1", "--schedules", "0"}))
                .contains("--schedules must be at least 1");
        assertThat(usageError(new String[] {"schedules", "--kafka", "h:1", "--minutes", "0"}))
                .contains("--minutes must be at least 1");
        assertThat(usageError(new String[] {"schedules", "--kafka", "h:1", "--cron", " "}))
                .contains("--cron must be a cron expression");
        assertThat(usageError(new String[] {"schedules", "--kafka", "h:1", "--type", "Not A Type"}))
                .contains("--type must match");
        assertThat(usageError(new String[] {"schedules", "--kafka", "h:1", "--payload", "[1]"}))
                .contains("--payload must be a JSON object");
        assertThat(usageError(new String[] {"schedules", "--kafka", "h:1", "--payload", "{oops"}))
                .contains("--payload must be a JSON object");
        assertThat(usageError(new String[] {"schedules", "--idempotent"})).contains("unknown option --idempotent");
        assertThat(usageError(new String[] {"schedules", "--kafka", "h:1", "--timeout", "soon"}))
                .contains("--timeout must be a duration");
        // refused before anything is written, so no Kafka is needed at 127.0.0.1:1
        assertThat(usageError(new String[] {"schedules", "--kafka", "127.0.0.1:1", "--cron", "61 * * * *"}))
                .contains("taskstream bench: --cron: ");
    }

    @Test
    void durationsInEveryAcceptedForm() {
        assertThat(BenchMain.duration("30s", "--d")).isEqualTo(Duration.ofSeconds(30));
        assertThat(BenchMain.duration("2m", "--d")).isEqualTo(Duration.ofMinutes(2));
        assertThat(BenchMain.duration("1h", "--d")).isEqualTo(Duration.ofHours(1));
        assertThat(BenchMain.duration("250ms", "--d")).isEqualTo(Duration.ofMillis(250));
        assertThat(BenchMain.duration("PT1.5S", "--d")).isEqualTo(Duration.ofMillis(1500));
        assertThatThrownBy(() -> BenchMain.duration("5x", "--d")).hasMessage("--d: unknown unit in '5x'");
        assertThatThrownBy(() -> BenchMain.duration("soon", "--d"))
                .hasMessage("--d must be a duration such as 60s or PT1M, not 'soon'");
    }

    @Test
    void badUsageIsExitCodeTwoWithTheReasonAndTheUsage() throws Exception {
        assertThat(usageError(new String[] {"bogus"})).contains("unknown command 'bogus'")
                .contains("usage: taskstream bench [--quick]").contains("usage: taskstream bench submit").contains("usage: taskstream bench schedules");
        assertThat(usageError(new String[] {"submit", "--rate"})).contains("--rate needs a value");
        assertThat(usageError(new String[] {"submit", "--rate", "fast", "--api", "http://h", "--key", "k"}))
                .contains("--rate must be a number, not 'fast'");
        assertThat(usageError(new String[] {"submit", "--colour", "red"})).contains("unknown option --colour");
        assertThat(usageError(new String[] {"submit"})).contains("no API to load: start ./taskstream dev");
        assertThat(usageError(new String[] {"submit", "--api", "http://h", "--key", "k", "--body", "[]"}))
                .contains("the task body must be a JSON object");
        assertThat(usageError(new String[] {"submit", "--api", "http://h", "--key", "k", "--batch", "-1"}))
                .contains("batch must be 0");
    }

    private String usageError(String[] args) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BenchMain.run(args, dir.resolve("missing.json"), System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        return err.toString(StandardCharsets.UTF_8);
    }
}
