package io.taskstream.ingest.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyFormatTest {

    @Test
    void aKeyIsTsPrefixSecret() {
        assertThat(KeyFormat.parse("ts_abc123_S3cretS3cret")).hasValueSatisfying(k -> {
            assertThat(k.prefix()).isEqualTo("abc123");
            assertThat(k.secret()).isEqualTo("S3cretS3cret");
            assertThat(k.key()).isEqualTo("ts_abc123_S3cretS3cret");
            assertThat(k.toString()).isEqualTo("ts_abc123_****");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ts_", "ts__secret", "ts_abc_", "TS_abc_secret", "ts_abc_sec ret", "ts_a-b_secret",
            "ts_abc_secret\n", "ts_abc_sécret", "Bearer ts_abc_secret", "ts_abc_secret_more", "' OR 1=1 --"})
    void anythingElseIsNotAKey(String value) {
        assertThat(KeyFormat.parse(value)).isEmpty();
    }

    @Test
    void anOversizedValueIsRefusedBeforeAnyWork() {
        assertThat(KeyFormat.parse("ts_abc_" + "a".repeat(KeyFormat.MAX_LENGTH))).isEmpty();
        assertThat(KeyFormat.parse(null)).isEmpty();
    }

    @Test
    void mintedKeysHaveA12CharacterPrefixAnd40CharacterSecretAndAreUnique() {
        SecureRandom random = new SecureRandom();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            KeyFormat.Parsed key = KeyFormat.generate(random);
            assertThat(key.prefix()).matches("[a-z0-9]{12}");
            assertThat(key.secret()).matches("[A-Za-z0-9]{40}");
            assertThat(KeyFormat.parse(key.key())).contains(key);
            assertThat(seen.add(key.key())).isTrue();
        }
    }

    @Test
    void secretsAreStoredAsSha256() {
        assertThat(KeyFormat.sha256("abc")).hasSize(32)
                .isEqualTo(java.util.HexFormat.of().parseHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }
}
