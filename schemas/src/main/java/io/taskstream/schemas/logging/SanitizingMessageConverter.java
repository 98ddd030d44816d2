package io.taskstream.schemas.logging;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/** Logback's {@code %msg} through {@link LogSanitizer}; registered for {@code %m}, {@code %msg}, {@code %message}. */
public class SanitizingMessageConverter extends MessageConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return LogSanitizer.sanitize(super.convert(event));
    }
}
