package io.taskstream.schemas.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import io.taskstream.schemas.Json;
import tools.jackson.databind.JsonNode;

/**
 * The services' console ({@code logback-services.xml}) as a service gets it: a Spring Boot application
 * whose configuration points {@code logging.config} at it, with and without
 * {@code taskstream.log.format} (what {@code TASKSTREAM_LOG_FORMAT} sets).
 */
@ExtendWith(OutputCaptureExtension.class)
class ServiceLoggingTest {

    private static final String CONFIG = "--logging.config=classpath:io/taskstream/schemas/logging/logback-services.xml";
    private static final String KEY = "ts_ab12cd34ef56_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbNm1234";

    @Test
    void byDefaultAServiceLogsJsonLinesWithItsNameAndTheMdc(CapturedOutput output) {
        try (ConfigurableApplicationContext ignored = run(CONFIG, "--spring.application.name=svc-json")) {
            logAboutATask("json line", null);
        }

        JsonNode line = jsonLines(output).stream()
                .filter(l -> l.get("message").asString().startsWith("json line")).findFirst().orElseThrow();
        assertThat(line.get("service").asString()).isEqualTo("svc-json");
        assertThat(line.get("task_id").asString()).isEqualTo("t-1");
        assertThat(line.get("tenant_id").asString()).isEqualTo("acme");
        assertThat(line.get("logger").asString()).isEqualTo(ServiceLoggingTest.class.getName());
    }

    @Test
    void aSecretLoggedOnPurposeComesOutMaskedInJson(CapturedOutput output) {
        try (ConfigurableApplicationContext ignored = run(CONFIG, "--spring.application.name=svc-json")) {
            logAboutATask("a careless line: Authorization: Bearer " + KEY, new IllegalStateException("rejected " + KEY));
        }

        JsonNode line = jsonLines(output).stream()
                .filter(l -> l.get("message").asString().startsWith("a careless line")).findFirst().orElseThrow();
        assertThat(line.get("message").asString()).isEqualTo("a careless line: Authorization: Bearer ****");
        assertThat(line.get("stack_trace").asString()).contains("IllegalStateException: rejected ts_ab12cd34ef56_****");
        assertThat(output.getAll()).doesNotContain("Zx9Qw8");
    }

    @Test
    void bootsStackTraceSettingsShortenTheStackTrace(CapturedOutput output) {
        try (ConfigurableApplicationContext ignored = run(CONFIG, "--logging.structured.json.stacktrace.max-length=120")) {
            logAboutATask("short trace", new IllegalStateException("rejected " + KEY));
        }

        JsonNode line = jsonLines(output).stream()
                .filter(l -> l.get("message").asString().equals("short trace")).findFirst().orElseThrow();
        assertThat(line.get("stack_trace").asString()).hasSizeLessThanOrEqualTo(120)
                .startsWith("java.lang.IllegalStateException: rejected ts_ab12cd34ef56_****");
    }

    @Test
    void theTextFormatIsHumanReadableWithTheMdcAndStillMasksSecrets(CapturedOutput output) {
        try (ConfigurableApplicationContext ignored = run(CONFIG, "--taskstream.log.format=text")) {
            logAboutATask("text line " + KEY, new IllegalStateException("rejected " + KEY));
        }

        String line = output.getAll().lines().filter(l -> l.contains("text line")).findFirst().orElseThrow();
        assertThat(line).doesNotStartWith("{")
                .containsPattern(" WARN \\{[^}]*task_id=t-1")
                .containsPattern(" WARN \\{[^}]*tenant_id=acme")
                .contains(ServiceLoggingTest.class.getSimpleName())
                .endsWith(": text line ts_ab12cd34ef56_****");
        assertThat(output.getAll()).contains("java.lang.IllegalStateException: rejected ts_ab12cd34ef56_****")
                .doesNotContain("Zx9Qw8");
    }

    @Test
    void anUnknownFormatStopsTheServiceAtStartUp() {
        assertThatThrownBy(() -> run(CONFIG, "--taskstream.log.format=yaml").close())
                .hasStackTraceContaining("must be json or text, not 'yaml'");
    }

    private static void logAboutATask(String message, Throwable failure) {
        MDC.put("task_id", "t-1");
        MDC.put("tenant_id", "acme");
        try {
            LoggerFactory.getLogger(ServiceLoggingTest.class).warn(message, failure);
        } finally {
            MDC.remove("task_id");
            MDC.remove("tenant_id");
        }
    }

    private static List<JsonNode> jsonLines(CapturedOutput output) {
        return output.getAll().lines().filter(l -> l.startsWith("{")).map(l -> Json.mapper().readTree(l)).toList();
    }

    private static ConfigurableApplicationContext run(String... args) {
        return new SpringApplicationBuilder(Empty.class).web(WebApplicationType.NONE).run(args);
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    static class Empty {
    }
}
