package io.taskstream.schemas.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.status.Status;

class LogFormatDefinerTest {

    @ParameterizedTest(name = "''{0}'' with default {1} is {2}")
    @CsvSource(nullValues = "null", value = {
            // value,  default, appender, configuration error
            "json,     text,    json,     false",
            "TEXT,     json,    text,     false",
            "' json ', text,    json,     false",
            "null,     text,    text,     false",
            "'',       json,    json,     false",
            "yaml,     json,    json,     true",
            "yaml,     text,    text,     true"})
    void theFormatNamesTheAppenderAndAnUnknownOneIsAnError(String value, String fallback, String appender,
                                                          boolean error) {
        LoggerContext context = new LoggerContext();
        LogFormatDefiner definer = new LogFormatDefiner();
        definer.setContext(context);
        definer.setFormat(value);
        definer.setDefault(fallback);

        assertThat(definer.getPropertyValue()).isEqualTo(appender);
        assertThat(context.getStatusManager().getCopyOfStatusList())
                .filteredOn(s -> s.getLevel() == Status.ERROR).hasSize(error ? 1 : 0);
    }
}
