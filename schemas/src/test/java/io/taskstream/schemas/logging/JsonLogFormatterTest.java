package io.taskstream.schemas.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import io.taskstream.schemas.Json;
import tools.jackson.databind.JsonNode;

/** {@link JsonLogFormatter} through {@link JsonLogEncoder} in a real Logback pipeline, read back as JSON. */
class JsonLogFormatterTest {

    private static final String KEY = "ts_ab12cd34ef56_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbNm1234";

    private final LoggerContext context = new LoggerContext();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Logger logger = logger();

    @AfterEach
    void clearMdc() {
        context.getMDCAdapter().clear();
        context.stop();
    }

    @Test
    void aLineAboutATaskCarriesItsIdsAsTopLevelFields() {
        context.getMDCAdapter().put("task_id", "01936f4e-1111-7000-8000-000000000001");
        context.getMDCAdapter().put("tenant_id", "acme");
        context.getMDCAdapter().put("worker_id", "worker-1");
        context.getMDCAdapter().put("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
        context.getMDCAdapter().put("span_id", "00f067aa0ba902b7");

        logger.info("Attempt {} ended COMPLETED", 1);

        JsonNode line = lines().getFirst();
        assertThat(line.get("task_id").asString()).isEqualTo("01936f4e-1111-7000-8000-000000000001");
        assertThat(line.get("tenant_id").asString()).isEqualTo("acme");
        assertThat(line.get("worker_id").asString()).isEqualTo("worker-1");
        assertThat(line.get("trace_id").asString()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(line.get("span_id").asString()).isEqualTo("00f067aa0ba902b7");
        assertThat(line.get("message").asString()).isEqualTo("Attempt 1 ended COMPLETED");
        assertThat(line.get("level").asString()).isEqualTo("INFO");
        assertThat(line.get("logger").asString()).isEqualTo("io.taskstream.test.Tasks");
        assertThat(line.get("thread").asString()).isEqualTo(Thread.currentThread().getName());
        assertThat(line.get("service").asString()).isEqualTo("test-service");
        assertThat(Instant.parse(line.get("timestamp").asString())).isNotNull();
        assertThat(line.has("stack_trace")).isFalse();
    }

    @Test
    void aLineAboutNothingInParticularHasNoIdFields() {
        logger.warn("Restarting the poll loop");

        JsonNode line = lines().getFirst();
        assertThat(line.has("task_id")).isFalse();
        assertThat(line.has("trace_id")).isFalse();
        assertThat(line.get("level").asString()).isEqualTo("WARN");
    }

    @Test
    void secretsAreMaskedInTheMessageTheKeyValuesAndTheStackTrace() {
        logger.atError().setMessage("a careless line: Authorization: Bearer " + KEY)
                .addKeyValue("body", "{\"password\": \"hunter2\"}")
                .setCause(new IllegalStateException("rejected " + KEY)).log();

        String raw = out.toString(StandardCharsets.UTF_8);
        JsonNode line = lines().getFirst();
        assertThat(raw).doesNotContain("Zx9Qw8").doesNotContain("hunter2");
        assertThat(line.get("message").asString()).isEqualTo("a careless line: Authorization: Bearer ****");
        assertThat(line.get("body").asString()).isEqualTo("{\"password\": \"****\"}");
        assertThat(line.get("stack_trace").asString())
                .startsWith("java.lang.IllegalStateException: rejected ts_ab12cd34ef56_****")
                .contains("at io.taskstream.schemas.logging.JsonLogFormatterTest");
    }

    @Test
    void anEncryptedPayloadEnvelopeLosesItsCiphertext() {
        logger.info("{\"encrypted\": {\"v\": 1, \"alg\": \"A256GCM\", \"kid\": \"k2\", \"iv\": \"AAEC\", \"ct\": \"c2VjcmV0\"}}");

        assertThat(lines().getFirst().get("message").asString()).contains("\"ct\": \"****\"")
                .doesNotContain("c2VjcmV0");
    }

    @Test
    void eachEventIsOneLine() {
        logger.info("first\nsecond");
        logger.info("third");

        assertThat(lines()).hasSize(2);
    }

    private List<JsonNode> lines() {
        return out.toString(StandardCharsets.UTF_8).lines().map(l -> Json.mapper().readTree(l)).toList();
    }

    private Logger logger() {
        context.setMDCAdapter(new LogbackMDCAdapter());
        JsonLogEncoder encoder = new JsonLogEncoder();
        encoder.setContext(context);
        encoder.setService("test-service");
        encoder.start();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(out);
        appender.start();
        Logger test = context.getLogger("io.taskstream.test.Tasks");
        test.addAppender(appender);
        return test;
    }
}
