package io.taskstream.ingest.auth;

import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import io.taskstream.ingest.config.IngestProperties;

/**
 * API-key authentication on {@code /api/v1/*}; everything else (health, metrics, the OpenAPI document,
 * Swagger UI) stays open. Scopes declared with {@link RequiresScope} and enforced by
 * {@link ScopeInterceptor}; the API refuses to start with an {@code /api/v1} operation that declares
 * none. Security headers on every response. The keys themselves (store, cache, invalidation, bootstrap)
 * are wired in {@code keys.KeysConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class AuthConfiguration implements WebMvcConfigurer {

    /** The paths that need a key. */
    public static final String PROTECTED_PATHS = "/api/v1/*";
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
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver resolver, IngestProperties properties) {
        FilterRegistrationBean<ApiKeyFilter> registration =
                new FilterRegistrationBean<>(new ApiKeyFilter(authenticator, resolver, properties.retryAfter()));
        registration.addUrlPatterns(PROTECTED_PATHS);
        registration.setName("apiKeyFilter");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
        return registration;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new ScopeInterceptor()).addPathPatterns("/api/v1/**");
    }

    /** Start-up check: every {@code /api/v1} operation declares its scope. */
    @Bean
    static SmartInitializingSingleton everyOperationDeclaresItsScope(
            @Qualifier("requestMappingHandlerMapping") ObjectProvider<RequestMappingHandlerMapping> mapping) {
        return () -> {
            List<String> undeclared = ScopeInterceptor.undeclared(mapping.getObject().getHandlerMethods());
            if (!undeclared.isEmpty()) {
                throw new IllegalStateException("these /api/v1 operations declare no @RequiresScope: " + undeclared);
            }
        };
    }
}
