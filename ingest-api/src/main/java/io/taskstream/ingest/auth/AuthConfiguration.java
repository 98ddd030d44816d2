package io.taskstream.ingest.auth;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;

import io.taskstream.ingest.config.IngestProperties;

/**
 * API-key authentication on {@code /api/v1/*}; everything else (health, metrics, the OpenAPI document,
 * Swagger UI) stays open. Security headers on every response.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class AuthConfiguration {

    /** The paths that need a key. */
    public static final String PROTECTED_PATHS = "/api/v1/*";

    @Bean
    ApiKeyAuthenticator apiKeyAuthenticator(IngestProperties properties) {
        return new ApiKeyAuthenticator(properties);
    }

    /** Before authentication, on every path: see {@link SecurityHeadersFilter}. */
    @Bean
    FilterRegistrationBean<SecurityHeadersFilter> securityHeadersFilter() {
        FilterRegistrationBean<SecurityHeadersFilter> registration =
                new FilterRegistrationBean<>(new SecurityHeadersFilter());
        registration.addUrlPatterns("/*");
        registration.setName("securityHeadersFilter");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 50);
        return registration;
    }

    @Bean
    FilterRegistrationBean<ApiKeyFilter> apiKeyFilter(ApiKeyAuthenticator authenticator,
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver resolver) {
        FilterRegistrationBean<ApiKeyFilter> registration =
                new FilterRegistrationBean<>(new ApiKeyFilter(authenticator, resolver));
        registration.addUrlPatterns(PROTECTED_PATHS);
        registration.setName("apiKeyFilter");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
        return registration;
    }
}
