package io.taskstream.ingest.tracing;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.instrumentation.jdbc.datasource.JdbcTelemetry;
import io.taskstream.schemas.spring.TracingConfiguration;
import io.taskstream.schemas.tracing.Tracing;

/**
 * The API's part of a task's trace: the server span of every {@code /api/v1} request
 * ({@link TracingFilter}, first of all filters) and a client span per PostgreSQL statement made
 * inside a trace (OpenTelemetry's JDBC instrumentation; statements sanitised, no parameters). Work
 * outside any trace — the projection's batches, the audit writer — is not traced, so it never starts
 * root traces of its own. Redis calls on the request path are traced where they are made
 * ({@link Tracing#client}).
 */
@Configuration(proxyBeanMethods = false)
@Import(TracingConfiguration.class)
public class ApiTracingConfiguration {

    /** Before every other filter (security headers at +50), so refused requests are traced too. */
    public static final int FILTER_ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

    @Bean
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    FilterRegistrationBean<TracingFilter> tracingFilter(Tracing tracing) {
        FilterRegistrationBean<TracingFilter> registration = new FilterRegistrationBean<>(new TracingFilter(tracing));
        registration.addUrlPatterns("/api/v1/*");
        registration.setName("tracingFilter");
        registration.setOrder(FILTER_ORDER);
        return registration;
    }

    @Bean
    static BeanPostProcessor tracedDataSources(ObjectProvider<Tracing> tracing) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof DataSource dataSource && !(bean instanceof TracedDataSource)) {
                    return new TracedDataSource(dataSource, JdbcTelemetry.builder(tracing.getObject().openTelemetry())
                            .setDataSourceInstrumenterEnabled(false)
                            .setTransactionInstrumenterEnabled(false)
                            .build().wrap(dataSource));
                }
                return bean;
            }
        };
    }

    /**
     * Hands out instrumented connections inside a trace and plain ones outside (the pool is the same),
     * and unwraps to the pool (Boot's Hikari metrics find it through {@link DelegatingDataSource}).
     */
    static final class TracedDataSource extends DelegatingDataSource {

        private final DataSource traced;

        TracedDataSource(DataSource pool, DataSource traced) {
            super(pool);
            this.traced = traced;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return Span.current().getSpanContext().isValid() ? traced.getConnection() : super.getConnection();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return Span.current().getSpanContext().isValid()
                    ? traced.getConnection(username, password) : super.getConnection(username, password);
        }
    }
}
