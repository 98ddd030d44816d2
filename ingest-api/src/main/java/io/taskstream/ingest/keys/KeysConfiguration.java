package io.taskstream.ingest.keys;

import java.time.Clock;
import java.security.SecureRandom;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.taskstream.ingest.auth.KeyInvalidations;
import io.taskstream.ingest.auth.KeyProperties;
import io.taskstream.ingest.auth.KeyRepository;

/** Wiring of {@code /keys}. Secrets come from a {@link SecureRandom} of their own. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class KeysConfiguration {

    @Bean
    ApiKeys apiKeys(KeyRepository repository, KeyInvalidations invalidations, KeyProperties properties, Clock clock) {
        return new ApiKeys(repository, invalidations, properties, clock, new SecureRandom());
    }
}
