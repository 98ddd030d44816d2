package io.taskstream.worker.resilience;

import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.worker.handler.HandlerRegistry;
import io.taskstream.worker.resilience.ResilienceProperties.BulkheadOptions;
import io.taskstream.worker.resilience.ResilienceProperties.CircuitBreakerOptions;
import io.taskstream.worker.resilience.ResilienceProperties.RateLimiterOptions;

/**
 * Circuit breaker, bulkhead and rate limiter per task type ({@link TaskTypeResilience}), configured by
 * {@code taskstream.worker.resilience.*}; imported by {@code WorkerConfiguration}, which hands it to
 * the {@code TaskExecutor} as its {@code AttemptGuard}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ResilienceProperties.class)
public class ResilienceConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ResilienceConfiguration.class);

    private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of(ResilienceProperties.PREFIX);

    /** The options of each part, in the binder's uniform form (lower case, no dashes). */
    private static final Map<String, Set<String>> OPTIONS = Map.of(
            "circuitbreaker", optionsOf(CircuitBreakerOptions.class),
            "bulkhead", optionsOf(BulkheadOptions.class),
            "ratelimiter", optionsOf(RateLimiterOptions.class));

    @Bean
    TaskTypeResilience taskTypeResilience(ResilienceProperties resilience, HandlerRegistry handlers, Clock clock,
                                          MeterRegistry meters, Environment environment) {
        rejectUnknownOptions(ConfigurationPropertySources.get(environment));
        // a type this worker has no handler for may be run by other workers sharing the settings: warn only
        Set<String> unknown = new TreeSet<>(resilience.types().keySet());
        unknown.removeAll(handlers.types());
        if (!unknown.isEmpty()) {
            log.warn("taskstream.worker.resilience.types names task types this worker has no handler for: {}",
                    unknown);
        }
        return new TaskTypeResilience(resilience, clock, meters);
    }

    /**
     * Stops the start-up at a {@code taskstream.worker.resilience.*} property that binds to nothing —
     * a misspelt option, or a task type with dots written without brackets
     * ({@code types.http.request.…}, which Spring reads as type {@code http}) — instead of letting
     * the type run unguarded.
     */
    static void rejectUnknownOptions(Iterable<ConfigurationPropertySource> sources) {
        for (ConfigurationPropertySource source : sources) {
            if (!(source instanceof IterableConfigurationPropertySource iterable)) {
                continue;
            }
            for (ConfigurationPropertyName name : iterable) {
                if (PREFIX.isAncestorOf(name) && !isOption(name)) {
                    throw new IllegalArgumentException(name + " is not a resilience option: expected"
                            + " taskstream.worker.resilience.default.<part>.<option> or"
                            + " taskstream.worker.resilience.types[<task type>].<part>.<option>, with <part> one of"
                            + " circuit-breaker, bulkhead, rate-limiter (a task type with dots goes in brackets:"
                            + " types[http.request])");
                }
            }
        }
    }

    private static boolean isOption(ConfigurationPropertyName name) {
        int first = PREFIX.getNumberOfElements();
        String scope = name.getElement(first, Form.UNIFORM);
        int part = scope.equals("default") ? first + 1 : scope.equals("types") ? first + 2 : -1;
        if (part < 0 || name.getNumberOfElements() != part + 2) {
            return false;
        }
        Set<String> options = OPTIONS.get(name.getElement(part, Form.UNIFORM));
        return options != null && options.contains(name.getElement(part + 1, Form.UNIFORM));
    }

    private static Set<String> optionsOf(Class<? extends Record> options) {
        return Arrays.stream(options.getRecordComponents())
                .map(component -> component.getName().toLowerCase(java.util.Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }
}
