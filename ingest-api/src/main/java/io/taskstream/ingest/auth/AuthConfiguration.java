package io.taskstream.ingest.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import io.taskstream.ingest.audit.AuditEntry;
import io.taskstream.ingest.audit.AuditTrail;
import io.taskstream.ingest.config.IngestProperties;

/**
 * API-key authentication on {@code /api/v1/*}; everything else (health, metrics, the OpenAPI document,
 * Swagger UI) stays open. Scopes declared with {@link RequiresScope} and enforced by
 * {@link ScopeInterceptor}; the API refuses to start with an {@code /api/v1} operation that declares
 * none. Security headers on every response.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(KeyProperties.class)
public class AuthConfiguration implements WebMvcConfigurer {

    /** The paths that need a key. */
    public static final String PROTECTED_PATHS = "/api/v1/*";
    /** How soon a lost subscription to key changes is tried again. */
    static final Duration SUBSCRIPTION_RETRY = Duration.ofSeconds(2);

    @Bean
    KeyRepository keyRepository(JdbcTemplate jdbc) {
        return new KeyRepository(jdbc);
    }

    @Bean
    ApiKeyAuthenticator apiKeyAuthenticator(KeyRepository repository, Clock clock, KeyProperties keys) {
        return new ApiKeyAuthenticator(repository, clock, keys.cacheSize(), keys.cacheTtl());
    }

    @Bean
    KeyInvalidations keyInvalidations(StringRedisTemplate redis, KeyProperties keys,
            ApiKeyAuthenticator authenticator) {
        return new KeyInvalidations(redis, keys.channel(), authenticator);
    }

    /** Every node listens for other nodes' key changes (see {@link KeyInvalidations}). */
    @Bean
    RedisMessageListenerContainer keyInvalidationListener(RedisConnectionFactory connections,
            KeyInvalidations invalidations) {
        RedisMessageListenerContainer container = new RedisMessageListenerContainer();
        container.setConnectionFactory(connections);
        container.addMessageListener(invalidations, new ChannelTopic(invalidations.channel()));
        container.setRecoveryInterval(SUBSCRIPTION_RETRY.toMillis());
        // started by keyInvalidationSubscription, in the background: the API starts without Redis
        container.setAutoStartup(false);
        return container;
    }

    @Bean
    KeyInvalidationSubscription keyInvalidationSubscription(RedisMessageListenerContainer keyInvalidationListener) {
        return new KeyInvalidationSubscription(keyInvalidationListener, SUBSCRIPTION_RETRY);
    }

    /** Stores the bootstrap admin key once the schema is migrated (see {@link KeyBootstrap}). */
    @Bean
    static SmartInitializingSingleton bootstrapAdminKey(ObjectProvider<IngestProperties> properties,
            ObjectProvider<KeyRepository> repository, ObjectProvider<Clock> clock, ObjectProvider<AuditTrail> audit) {
        return () -> {
            StoredKey stored = KeyBootstrap.run(properties.getObject(), repository.getObject(), clock.getObject());
            if (stored != null) {
                audit.ifAvailable(trail -> trail.record(AuditEntry.event(stored.createdAt(), stored.tenantId(),
                        AuditEntry.SYSTEM, "key.create", "key", stored.id().toString(),
                        Map.of("name", stored.name(), "prefix", stored.prefix(), "bootstrap", true))));
            }
        };
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
