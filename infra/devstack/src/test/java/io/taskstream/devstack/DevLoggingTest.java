package io.taskstream.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.status.Status;
import io.taskstream.schemas.Json;
import tools.jackson.databind.JsonNode;

/**
 * The devstack's {@code logback.xml} (its whole logging configuration: Spring Boot's logging system is off
 * in its JVM), read into a Logback context of its own: human-readable with the MDC by default, the
 * services' JSON lines with {@code taskstream.log.format=json} ({@code TASKSTREAM_LOG_FORMAT}).
 */
@ExtendWith(OutputCaptureExtension.class)
class DevLoggingTest {

    private static final String KEY = "ts_ab12cd34ef56_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbNm1234";

    private final LoggerContext context = new LoggerContext();

    DevLoggingTest() {
        context.setMDCAdapter(new LogbackMDCAdapter());
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    void byDefaultALineIsHumanReadableWithTheTasksIdsAndNoSecret(CapturedOutput output) throws Exception {
        configure(null);

        logAboutATask("Attempt 1 of task t-1 ended COMPLETED, key " + KEY);

        String line = output.getOut().lines().filter(l -> l.contains("Attempt 1 of task t-1")).findFirst().orElseThrow();
        assertThat(line).doesNotStartWith("{").contains(" INFO ")
                .contains(": Attempt 1 of task t-1 ended COMPLETED, key ts_ab12cd34ef56_**** {")
                .contains("task_id=t-1").contains("tenant_id=acme").contains("worker_id=w-1")
                .doesNotContain("Zx9Qw8");
    }

    @Test
    void withTheJsonFormatALineIsTheServicesJson(CapturedOutput output) throws Exception {
        configure("json");

        logAboutATask("Attempt 1 of task t-1 ended COMPLETED, key " + KEY);

        List<JsonNode> lines = output.getOut().lines().filter(l -> l.startsWith("{"))
                .map(l -> Json.mapper().readTree(l)).toList();
        assertThat(lines).singleElement().satisfies(line -> {
            assertThat(line.get("message").asString()).isEqualTo("Attempt 1 of task t-1 ended COMPLETED, key "
                    + "ts_ab12cd34ef56_****");
            assertThat(line.get("task_id").asString()).isEqualTo("t-1");
            assertThat(line.get("tenant_id").asString()).isEqualTo("acme");
            assertThat(line.get("worker_id").asString()).isEqualTo("w-1");
            assertThat(line.get("service").asString()).isEqualTo("taskstream-dev");
        });
        assertThat(output.getAll()).doesNotContain("Zx9Qw8");
    }

    @Test
    void theConfigurationLoadsWithoutWarningsInEitherFormat() throws Exception {
        for (String format : new String[] {null, "json", "TEXT"}) {
            context.reset();
            configure(format);

            assertThat(context.getStatusManager().getCopyOfStatusList())
                    .filteredOn(s -> s.getLevel() >= Status.WARN).as(format).isEmpty();
        }
    }

    private void configure(String format) throws Exception {
        if (format != null) {
            context.putProperty("taskstream.log.format", format);
        }
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(DevLoggingTest.class.getClassLoader().getResource("logback.xml"));
    }

    private void logAboutATask(String message) {
        context.getMDCAdapter().put("task_id", "t-1");
        context.getMDCAdapter().put("tenant_id", "acme");
        context.getMDCAdapter().put("worker_id", "w-1");
        context.getLogger("io.taskstream.worker.execution.TaskExecutor").info(message);
        context.getMDCAdapter().clear();
    }
}
