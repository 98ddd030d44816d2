package io.taskstream.ingest.keys;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.jdbc.core.JdbcTemplate;

import io.taskstream.ingest.audit.AuditEntry;
import io.taskstream.ingest.audit.AuditTrail;
import io.taskstream.ingest.auth.ApiKeyAuthenticator;
import io.taskstream.ingest.auth.KeyBootstrap;
import io.taskstream.ingest.auth.KeyInvalidationSubscription;
import io.taskstream.ingest.auth.KeyInvalidations;
import io.taskstream.ingest.auth.KeyProperties;
import io.taskstream.ingest.auth.KeyRepository;
import io.taskstream.ingest.auth.StoredKey;
import io.taskstream.ingest.config.IngestProperties;

/**
 * Wiring of API keys: the store ({@code api_keys}), the per-node cache, the Redis channel that keeps the
 * nodes' caches honest, the bootstrap admin key, and {@code /keys}. Secrets come from a
 * {@link SecureRandom} of their own.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(KeyProperties.class)
public class KeysConfiguration {

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

    /** Stores the bootstrap admin key once the schema is migrated (see {@link KeyBootstrap}), and audits it. */
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

    @Bean
    ApiKeys apiKeys(KeyRepository repository, KeyInvalidations invalidations, KeyProperties properties, Clock clock) {
        return new ApiKeys(repository, invalidations, properties, clock, new SecureRandom());
    }
}
