package io.taskstream.schemas.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import io.taskstream.schemas.crypto.EncryptionSettings;
import io.taskstream.schemas.crypto.PayloadCipher;

class EncryptionConfigurationTest {

    static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    /** A context of {@link EncryptionConfiguration} whose environment variables are {@code variables}. */
    static AnnotationConfigApplicationContext context(Map<String, Object> variables) {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        variables));
        context.setEnvironment(environment);
        context.register(EncryptionConfiguration.class);
        context.refresh();
        return context;
    }

    @Test
    void theEnvironmentVariablesOfTheContractConfigureTheCipher() {
        try (var context = context(Map.of("TASKSTREAM_ENCRYPTION_KEYS", "k2:" + KEY + ",k1:" + KEY,
                "TASKSTREAM_ENCRYPTION_ACTIVE_KEY", "k1"))) {
            PayloadCipher cipher = context.getBean(PayloadCipher.class);
            assertThat(cipher.isConfigured()).isTrue();
            assertThat(cipher.encrypt(new tools.jackson.databind.node.ObjectNode(
                    tools.jackson.databind.node.JsonNodeFactory.instance), "a/b").get("encrypted").get("kid").asString())
                    .isEqualTo("k1");
            assertThat(context.getBean(EncryptionSettings.class).toString()).doesNotContain(KEY);
        }
    }

    @Test
    void withoutVariablesEncryptionIsNotConfigured() {
        try (var context = context(Map.of())) {
            assertThat(context.getBean(PayloadCipher.class).isConfigured()).isFalse();
        }
    }

    @Test
    void aBadRingStopsTheContextNamingTheVariable() {
        assertThatThrownBy(() -> context(Map.of("TASKSTREAM_ENCRYPTION_KEYS", "k1:" + KEY.substring(4))))
                .rootCause().hasMessageContaining("TASKSTREAM_ENCRYPTION_KEYS (taskstream.encryption.keys): entry 1")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(KEY.substring(4)));
    }
}
