package io.taskstream.schemas.logging;

import java.nio.charset.StandardCharsets;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;

/**
 * {@link JsonLogFormatter}'s lines for a Logback configuration that runs without Spring Boot's logging
 * system (the devstack's {@code logback.xml}), where Boot's {@code StructuredLogEncoder} finds no
 * Spring {@code Environment}. {@code <service>} names the process in every line.
 */
public class JsonLogEncoder extends EncoderBase<ILoggingEvent> {

    private String service = JsonLogFormatter.DEFAULT_SERVICE;
    private JsonLogFormatter formatter;

    public void setService(String service) {
        this.service = service;
    }

    @Override
    public void start() {
        formatter = JsonLogFormatter.forService(service);
        super.start();
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return formatter.formatAsBytes(event, StandardCharsets.UTF_8);
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }
}
