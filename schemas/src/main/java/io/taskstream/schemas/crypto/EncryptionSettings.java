package io.taskstream.schemas.crypto;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * Where a service's key ring comes from, bound from {@code taskstream.encryption.*} (environment:
 * {@code TASKSTREAM_ENCRYPTION_KEYS}, {@code TASKSTREAM_ENCRYPTION_KEYS_FILE},
 * {@code TASKSTREAM_ENCRYPTION_ACTIVE_KEY}). Neither keys nor a file: encryption is not configured
 * (tasks asking for it are refused, encrypted dispatches fail). Both: a start-up failure.
 *
 * @param keys      the ring inline, {@code id:base64[,id:base64…]} ({@link EnvKeyProvider}); never logged
 * @param keysFile  a file holding the ring ({@link FileKeyProvider})
 * @param activeKey the id of the key that encrypts; default: the first key (or the file's {@code active=})
 */
public record EncryptionSettings(String keys, String keysFile, String activeKey) {

    public static final String KEYS_VARIABLE = "TASKSTREAM_ENCRYPTION_KEYS";
    public static final String KEYS_FILE_VARIABLE = "TASKSTREAM_ENCRYPTION_KEYS_FILE";
    public static final String ACTIVE_KEY_VARIABLE = "TASKSTREAM_ENCRYPTION_ACTIVE_KEY";

    public EncryptionSettings {
        keys = blankToNull(keys);
        keysFile = blankToNull(keysFile);
        activeKey = blankToNull(activeKey);
        if (keys != null && keysFile != null) {
            throw new IllegalArgumentException(KEYS_VARIABLE + " and " + KEYS_FILE_VARIABLE
                    + " are both set: give the key ring one way only");
        }
        if (activeKey != null && keys == null && keysFile == null) {
            throw new IllegalArgumentException(ACTIVE_KEY_VARIABLE + " is set but there are no keys: set "
                    + KEYS_VARIABLE + " or " + KEYS_FILE_VARIABLE);
        }
    }

    /** Read from environment variables ({@code System::getenv}, or a map in tests); blank counts as unset. */
    public static EncryptionSettings fromEnvironment(Function<String, String> env) {
        return new EncryptionSettings(env.apply(KEYS_VARIABLE), env.apply(KEYS_FILE_VARIABLE),
                env.apply(ACTIVE_KEY_VARIABLE));
    }

    /** Whether a key ring is configured at all. */
    public boolean configured() {
        return keys != null || keysFile != null;
    }

    /**
     * The provider these settings describe, its keys read now.
     *
     * @throws IllegalArgumentException a bad ring, naming the setting, never showing key material
     */
    public KeyProvider keyProvider() {
        if (keys != null) {
            return new EnvKeyProvider(keys, activeKey, KEYS_VARIABLE + " (taskstream.encryption.keys)");
        }
        if (keysFile != null) {
            return new FileKeyProvider(Path.of(keysFile), activeKey,
                    KEYS_FILE_VARIABLE + " (taskstream.encryption.keys-file)");
        }
        return KeyProvider.NONE;
    }

    /** Never shows the keys. */
    @Override
    public String toString() {
        return "EncryptionSettings[keys=" + (keys == null ? "unset" : "(set)") + ", keysFile=" + keysFile
                + ", activeKey=" + activeKey + "]";
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
