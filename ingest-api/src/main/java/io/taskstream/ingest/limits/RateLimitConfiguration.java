package io.taskstream.ingest.limits;

import java.time.Clock;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.servlet.HandlerExceptionResolver;

import com.github.benmanes.caffeine.cache.Ticker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.config.CircuitBreakers;
import io.taskstream.ingest.auth.AuthConfiguration;
import io.taskstream.schemas.tracing.Tracing;

/**
 * Wiring of per-tenant rate limiting ({@link RateLimiter} says how it works): the buckets in Redis, the
 * tenants' own limits, the breaker in front of Redis with its metrics, and the filter on
 * {@code /api/v1/*} right after authentication. With {@code taskstream.ingest.rate-limit.enabled=false}
 * the filter is not registered (the limits endpoints stay).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RateLimitProperties.class)
public class RateLimitConfiguration {

    /** After {@code apiKeyFilter} (+100): the limiter needs the caller's tenant. */
    public static final int FILTER_ORDER = Ordered.HIGHEST_PRECEDENCE + 150;

    @Bean
    TokenBucket tokenBuckets(StringRedisTemplate redis, RateLimitProperties properties, Tracing tracing) {
        return new TokenBucket(redis, properties.keyPrefix(), properties.redisTimeout(), tracing);
    }

    @Bean
    TenantLimits tenantLimits(JdbcTemplate jdbc, TransactionTemplate transactions, Clock clock,
            RateLimitProperties properties) {
        return new TenantLimits(jdbc, transactions, clock, properties.tenantCacheTtl(), Ticker.systemTicker());
    }

    @Bean
    RateLimiter rateLimiter(TokenBucket buckets, TenantLimits tenantLimits, RateLimitProperties properties,
            Clock clock, MeterRegistry meters) {
        // the same meter names as the Kafka breaker of submissions, told apart by the name tag
        CircuitBreaker breaker = CircuitBreakers.create(RateLimiter.BREAKER,
                RateLimiter.breakerConfig(properties.breakerOpenDuration(), clock), meters);
        return new RateLimiter(buckets, tenantLimits, properties, clock, breaker, meters);
    }

    @Bean
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    FilterRegistrationBean<RateLimitFilter> rateLimitFilter(RateLimiter limiter, RateLimitProperties properties,
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver resolver) {
        FilterRegistrationBean<RateLimitFilter> registration =
                new FilterRegistrationBean<>(new RateLimitFilter(limiter, resolver, properties));
        registration.addUrlPatterns(AuthConfiguration.PROTECTED_PATHS);
        registration.setName("rateLimitFilter");
        registration.setOrder(FILTER_ORDER);
        registration.setEnabled(properties.enabled());
        return registration;
    }
}
