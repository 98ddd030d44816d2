package io.taskstream.schemas.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.junit.jupiter.params.provider.Arguments;

class KeyProvidersTest {

    private static final String K1 = Keys.base64(1);
    private static final String K2 = Keys.base64(2);
    private static final String SHORT = Base64.getEncoder().encodeToString(new byte[16]);
    private static final String VARIABLE = "TASKSTREAM_ENCRYPTION_KEYS (taskstream.encryption.keys)";

    @TempDir
    Path dir;

    @Test
    void theFirstKeyIsActiveUnlessAnotherIsNamed() {
        KeyRing ring = new EnvKeyProvider(" k2:" + K2 + " , k1:" + K1 + " ", null, "X").keyRing();
        assertThat(ring.active().id()).isEqualTo("k2");
        assertThat(ring.keyIds()).containsExactly("k2", "k1");
        assertThat(ring.find("k1")).isPresent();
        assertThat(ring.find("k3")).isEmpty();

        assertThat(new EnvKeyProvider("k2:" + K2 + ",k1:" + K1, "k1", "X").keyRing().active().id()).isEqualTo("k1");
    }

    @Test
    void urlSafeBase64IsAcceptedToo() {
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(Keys.material(7));
        assertThat(new EnvKeyProvider("k7:" + urlSafe, null, "X").keyRing().active().id()).isEqualTo("k7");
    }

    static List<Arguments> badEnvironmentValues() {
        return List.of(
                Arguments.of("k1" + K1, null, VARIABLE + ": entry 1 is not <id>:<Base64 of 32 bytes>"),
                Arguments.of("k1:" + K1 + ",", null, VARIABLE + ": entry 2 is empty"),
                Arguments.of(",", null, VARIABLE + ": entry 1 is empty"),
                Arguments.of("k1:not base64!", null, VARIABLE + ": entry 1 (key 'k1'): the key is not Base64"),
                Arguments.of("k1:" + SHORT, null, VARIABLE + ": entry 1: key 'k1' is 16 bytes; AES-256 needs 32"),
                Arguments.of(K1 + ":k1", null, VARIABLE + ": entry 1: the key id must match "
                        + DataKey.ID_PATTERN.pattern()),
                Arguments.of("k1:" + K1 + ",k1:" + K2, null, VARIABLE + ": key id 'k1' is given twice"),
                Arguments.of("k1:" + K1, "k9", VARIABLE + ": the active key 'k9' is not among the keys [k1]"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("badEnvironmentValues")
    void aBadRingFailsNamingTheVariableAndNeverShowingKeyMaterial(String keys, String active, String message) {
        assertThatThrownBy(() -> new EncryptionSettings(keys, null, active).keyProvider())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(K1).doesNotContain(K2).doesNotContain(SHORT));
    }

    @Test
    void aFileNamesItsActiveKeyOrElseItsFirst() throws IOException {
        Path withActive = write("keys-a", "# rotated 2026-11-28\n\nactive = k1\nk2=" + K2 + "\n  k1 = " + K1 + "\n");
        Path withoutActive = write("keys-b", "k2=" + K2 + "\nk1=" + K1 + "\n");

        assertThat(new FileKeyProvider(withActive, null, "F").keyRing().active().id()).isEqualTo("k1");
        assertThat(new FileKeyProvider(withoutActive, null, "F").keyRing().active().id()).isEqualTo("k2");
        assertThat(new FileKeyProvider(withActive, "k2", "F").keyRing().active().id()).isEqualTo("k2");
        assertThat(new FileKeyProvider(withActive, null, "F").keyRing().keyIds()).containsExactly("k2", "k1");
    }

    static List<Arguments> badFiles() {
        return List.of(
                Arguments.of("k1\n", "line 1: not <id>=<Base64 of 32 bytes> or active=<id>"),
                Arguments.of("k1 " + K1 + "\n", "line 1: the key id must match " + DataKey.ID_PATTERN.pattern()),
                Arguments.of("# nothing\n", "holds no keys"),
                Arguments.of("k1=" + K1 + "\nk2=%%%\n", "line 2 (key 'k2'): the key is not Base64"),
                Arguments.of("k1=" + SHORT + "\n", "line 1: key 'k1' is 16 bytes; AES-256 needs 32"),
                Arguments.of("k1=" + K1 + "\nk1=" + K2 + "\n", ": key id 'k1' is given twice"),
                Arguments.of("active=k1\nactive=k2\nk1=" + K1 + "\n", "line 2: active is given twice"),
                Arguments.of("active=k3\nk1=" + K1 + "\n", ": the active key 'k3' is not among the keys [k1]"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badFiles")
    void aBadFileFailsNamingTheVariableAndLineAndNeverShowingKeyMaterial(String content, String message)
            throws IOException {
        Path file = write("keys", content);
        assertThatThrownBy(() -> new EncryptionSettings(null, file.toString(), null).keyProvider())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("TASKSTREAM_ENCRYPTION_KEYS_FILE (taskstream.encryption.keys-file) (" + file + ")")
                .hasMessageEndingWith(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(K1).doesNotContain(K2).doesNotContain(SHORT));
    }

    @Test
    void aMissingFileFailsNamingTheVariable() {
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> new EncryptionSettings(null, missing.toString(), null).keyProvider())
                .hasMessage("TASKSTREAM_ENCRYPTION_KEYS_FILE (taskstream.encryption.keys-file): cannot read " + missing
                        + " (NoSuchFileException)");
    }

    @Test
    void settingsComeFromTheEnvironmentAndAreBlankWhenUnset() throws IOException {
        Path file = write("keys", "k1=" + K1 + "\n");
        EncryptionSettings inline = EncryptionSettings.fromEnvironment(Map.of(
                "TASKSTREAM_ENCRYPTION_KEYS", "k2:" + K2 + ",k1:" + K1, "TASKSTREAM_ENCRYPTION_ACTIVE_KEY", "k1")::get);
        EncryptionSettings fromFile = EncryptionSettings.fromEnvironment(Map.of(
                "TASKSTREAM_ENCRYPTION_KEYS_FILE", file.toString(), "TASKSTREAM_ENCRYPTION_KEYS", " ")::get);
        EncryptionSettings none = EncryptionSettings.fromEnvironment(Map.<String, String>of()::get);

        assertThat(inline.keyProvider().keyRing().active().id()).isEqualTo("k1");
        assertThat(inline.configured()).isTrue();
        assertThat(inline.toString()).doesNotContain(K1).contains("keys=(set)");
        assertThat(fromFile.keyProvider().keyRing().keyIds()).containsExactly("k1");
        assertThat(none.configured()).isFalse();
        assertThat(none.keyProvider()).isSameAs(KeyProvider.NONE);
        assertThat(none.keyProvider().keyRing().isEmpty()).isTrue();
    }

    @Test
    void keysAndAFileTogetherOrAnActiveKeyWithoutKeysAreRefused() {
        assertThatThrownBy(() -> new EncryptionSettings("k1:" + K1, "/etc/keys", null))
                .hasMessage("TASKSTREAM_ENCRYPTION_KEYS and TASKSTREAM_ENCRYPTION_KEYS_FILE are both set: give the key "
                        + "ring one way only");
        assertThatThrownBy(() -> new EncryptionSettings(null, null, "k1"))
                .hasMessage("TASKSTREAM_ENCRYPTION_ACTIVE_KEY is set but there are no keys: set "
                        + "TASKSTREAM_ENCRYPTION_KEYS or TASKSTREAM_ENCRYPTION_KEYS_FILE");
    }

    @Test
    void aDataKeyIsThirtyTwoBytesUnderAWellFormedId() {
        assertThatThrownBy(() -> DataKey.of("k 1", Keys.material(1))).hasMessageContaining("key id 'k 1' must match");
        assertThatThrownBy(() -> DataKey.of("k1", new byte[31])).hasMessage("key 'k1' is 31 bytes; AES-256 needs 32");
        assertThatThrownBy(() -> new KeyRing(null, List.of())).hasMessage("a key ring needs at least one key");
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }
}
