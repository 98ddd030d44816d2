package io.taskstream.schemas.logging;

import java.util.Locale;
import java.util.Set;

import ch.qos.logback.core.PropertyDefinerBase;

/**
 * Reads the console format ({@code TASKSTREAM_LOG_FORMAT}: {@code json} or {@code text}, any case) for a
 * Logback configuration, which then names its appender after it ({@code <appender-ref ref="${LOG_FORMAT}"/>}:
 * a choice without Janino). A blank value is the {@code default}; anything else is a configuration error —
 * Spring Boot's logging system then refuses to start the service — and the default is used.
 */
public class LogFormatDefiner extends PropertyDefinerBase {

    static final Set<String> FORMATS = Set.of("json", "text");

    private String format;
    private String defaultFormat = "json";

    public void setFormat(String format) {
        this.format = format;
    }

    public void setDefault(String defaultFormat) {
        this.defaultFormat = defaultFormat;
    }

    @Override
    public String getPropertyValue() {
        if (format == null || format.isBlank()) {
            return defaultFormat;
        }
        String name = format.strip().toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(name)) {
            addError("TASKSTREAM_LOG_FORMAT (taskstream.log.format) must be json or text, not '" + format + "'");
            return defaultFormat;
        }
        return name;
    }
}
