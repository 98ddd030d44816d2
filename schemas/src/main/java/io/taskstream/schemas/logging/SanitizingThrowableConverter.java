package io.taskstream.schemas.logging;

import ch.qos.logback.classic.spi.IThrowableProxy;

import org.springframework.boot.logging.logback.ExtendedWhitespaceThrowableProxyConverter;

/**
 * Spring Boot's stack-trace converter ({@code %wEx}) through {@link LogSanitizer}: exception messages
 * (a driver echoing a statement, a client echoing a header) are masked like log messages.
 */
public class SanitizingThrowableConverter extends ExtendedWhitespaceThrowableProxyConverter {

    @Override
    protected String throwableProxyToString(IThrowableProxy proxy) {
        return LogSanitizer.sanitize(super.throwableProxyToString(proxy));
    }
}
