package io.taskstream.schemas.spring;

import java.security.SecureRandom;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import io.taskstream.schemas.crypto.EncryptionSettings;
import io.taskstream.schemas.crypto.KeyProvider;
import io.taskstream.schemas.crypto.PayloadCipher;

/**
 * How the services that see payloads (the ingest API, workers) get their key ring: binds
 * {@link EncryptionSettings} from {@code taskstream.encryption.*} (environment:
 * {@code TASKSTREAM_ENCRYPTION_KEYS}, {@code TASKSTREAM_ENCRYPTION_KEYS_FILE},
 * {@code TASKSTREAM_ENCRYPTION_ACTIVE_KEY}), reads the keys at start-up (a bad ring stops the service
 * with one message naming the setting) and exposes a {@link PayloadCipher}. A {@link KeyProvider} bean
 * of the application's own marked {@code @Primary} (a cloud KMS) takes the built-in one's place.
 * Import it: {@code @Import(EncryptionConfiguration.class)}.
 */
@Configuration(proxyBeanMethods = false)
public class EncryptionConfiguration {

    @Bean
    public EncryptionSettings encryptionSettings(Environment environment) {
        return Binder.get(environment).bindOrCreate("taskstream.encryption", EncryptionSettings.class);
    }

    @Bean
    public KeyProvider taskstreamKeyProvider(EncryptionSettings settings) {
        return settings.keyProvider();
    }

    @Bean
    public PayloadCipher payloadCipher(KeyProvider keyProvider) {
        return new PayloadCipher(keyProvider, new SecureRandom());
    }
}
