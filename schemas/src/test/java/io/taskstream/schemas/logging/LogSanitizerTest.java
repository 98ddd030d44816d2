package io.taskstream.schemas.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.OutputStreamAppender;

class LogSanitizerTest {

    private static final String KEY = "ts_ab12cd34ef56_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbNm1234";

    @Test
    void anApiKeyKeepsOnlyItsPublicPrefix() {
        assertThat(LogSanitizer.sanitize("auth failed for " + KEY + " from 10.0.0.1"))
                .isEqualTo("auth failed for ts_ab12cd34ef56_**** from 10.0.0.1");
        assertThat(LogSanitizer.sanitize("keys: " + KEY + "," + KEY)).doesNotContain("Zx9Qw8");
    }

    @Test
    void bearerTokensAndSecretMembersLoseTheirValue() {
        assertThat(LogSanitizer.sanitize("Authorization: Bearer abc.def.ghi")).isEqualTo("Authorization: Bearer ****");
        assertThat(LogSanitizer.sanitize("header authorization=bearer xyz; next"))
                .isEqualTo("header authorization=bearer ****; next");
        assertThat(LogSanitizer.sanitize("{\"id\": \"1\", \"secret\": \"s3cr3t\", \"password\":\"p\"}"))
                .isEqualTo("{\"id\": \"1\", \"secret\": \"****\", \"password\":\"****\"}");
    }

    @Test
    void everythingElseIsLeftAlone() {
        String line = "Attempt 1 of task 01a2282f-40f6-7e2e ended COMPLETED in 12 ms (tenant ts_acme, type ts_x)";
        assertThat(LogSanitizer.sanitize(line)).isEqualTo(line);
        assertThat(LogSanitizer.sanitize(null)).isNull();
        assertThat(LogSanitizer.sanitize("")).isEmpty();
        assertThat(LogSanitizer.sanitize("Bearer ****")).isEqualTo("Bearer ****");
    }

    @Test
    void theConvertersMaskMessagesAndStackTracesInARealLogbackPipeline() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        context.putObject(CoreConstants.PATTERN_RULE_REGISTRY, new java.util.HashMap<>(Map.of(
                "msg", SanitizingMessageConverter.class.getName(),
                "wEx", SanitizingThrowableConverter.class.getName())));
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%msg%n%wEx");
        encoder.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(out);
        appender.start();
        Logger logger = context.getLogger("test");
        logger.addAppender(appender);

        logger.info("presented {}", KEY);
        logger.error("failed", new IllegalStateException("key " + KEY + " rejected"));

        String logged = out.toString(StandardCharsets.UTF_8);
        assertThat(logged).contains("presented ts_ab12cd34ef56_****", "IllegalStateException: key ts_ab12cd34ef56_**** "
                + "rejected", "at io.taskstream.schemas.logging.LogSanitizerTest").doesNotContain("Zx9Qw8");
    }
}
