package io.taskstream.schemas.spring;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import io.taskstream.schemas.tracing.Tracing;

/**
 * One {@link Tracing} per service, configured by the standard {@code OTEL_*} variables, named after
 * {@code spring.application.name} unless {@code OTEL_SERVICE_NAME} is set; closed (buffered spans
 * exported) with the context. Import it: {@code @Import(TracingConfiguration.class)}.
 */
@Configuration(proxyBeanMethods = false)
public class TracingConfiguration {

    @Bean(destroyMethod = "close")
    public Tracing tracing(Environment environment) {
        return Tracing.fromEnvironment(environment.getProperty("spring.application.name", "taskstream"));
    }
}
