package io.taskstream.ingest.audit;

import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.ServletRequestPathUtils;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.auth.AuthConfiguration;

/** Wiring of the audit log: the writer ({@link AuditTrail}), its table and the filter that feeds it. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AuditProperties.class)
public class AuditConfiguration {

    @Bean
    AuditRepository auditRepository(JdbcTemplate jdbc) {
        return new AuditRepository(jdbc);
    }

    @Bean
    AuditTrail auditTrail(AuditRepository repository, AuditProperties properties, Clock clock, MeterRegistry meters) {
        return new AuditTrail(repository::append, properties, clock, meters);
    }

    @Bean
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    FilterRegistrationBean<AuditFilter> auditFilter(AuditTrail trail, Clock clock, MeterRegistry meters,
            @Qualifier("requestMappingHandlerMapping") ObjectProvider<RequestMappingHandlerMapping> mapping) {
        FilterRegistrationBean<AuditFilter> registration =
                new FilterRegistrationBean<>(new AuditFilter(trail, clock, meters, lookUp(mapping)));
        registration.addUrlPatterns(AuthConfiguration.PROTECTED_PATHS);
        registration.setName("auditFilter");
        registration.setOrder(AuditFilter.ORDER);
        return registration;
    }

    /**
     * Finds the route of a request that a filter answered before the dispatcher saw it (the rate limiter's
     * {@code 429}) by asking the handler mapping, as the dispatcher would have; empty when no route takes it.
     */
    static Function<HttpServletRequest, Optional<AuditFilter.Route>> lookUp(
            ObjectProvider<RequestMappingHandlerMapping> mappings) {
        return request -> {
            RequestMappingHandlerMapping mapping = mappings.getIfAvailable();
            if (mapping == null) {
                return Optional.empty();
            }
            Object parsed = request.getAttribute(ServletRequestPathUtils.PATH_ATTRIBUTE);
            try {
                ServletRequestPathUtils.parseAndCache(request);
                return mapping.getHandler(request) == null ? Optional.empty() : AuditFilter.matched(request);
            } catch (Exception e) {
                return Optional.empty(); // no route takes the request as it is (405, 415 …)
            } finally {
                request.setAttribute(ServletRequestPathUtils.PATH_ATTRIBUTE, parsed);
            }
        };
    }
}
