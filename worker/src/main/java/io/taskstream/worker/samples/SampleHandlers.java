package io.taskstream.worker.samples;

import java.time.Clock;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The sample handlers of the runnable worker ({@code noop}, {@code log}, {@code sleep}, {@code fail},
 * {@code email.send}, {@code report.generate}, {@code http.request}), registered only with
 * {@code taskstream.worker.sample-handlers=true}. Their payloads are in the worker's README.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("taskstream.worker.sample-handlers")
public class SampleHandlers {

    @Bean
    NoopHandler noopHandler() {
        return new NoopHandler();
    }

    @Bean
    LogHandler logHandler() {
        return new LogHandler();
    }

    @Bean
    SleepHandler sleepHandler() {
        return new SleepHandler(Sleeper.real());
    }

    @Bean
    FailHandler failHandler() {
        return new FailHandler();
    }

    @Bean
    EmailSendHandler emailSendHandler(Clock clock) {
        return new EmailSendHandler(clock);
    }

    @Bean
    ReportGenerateHandler reportGenerateHandler(Clock clock) {
        return new ReportGenerateHandler(clock, Sleeper.real());
    }

    /** Closed with the context (its {@code close()}), which ends its HTTP client. */
    @Bean
    HttpRequestHandler httpRequestHandler() {
        return new HttpRequestHandler();
    }
}
