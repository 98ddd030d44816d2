package io.taskstream.schemas.crypto;

import java.util.Objects;
import java.util.regex.Pattern;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * One AES-256 data key of a {@link KeyRing}, named by its {@code id} (the {@code kid} stored with every
 * ciphertext it made). The key material never leaves this class except to {@link PayloadCipher}:
 * {@link #toString()} shows the id alone, so a key logged by mistake shows nothing secret.
 */
public final class DataKey {

    /** Key ids as they appear on the wire: short, no separators of the configuration formats. */
    public static final Pattern ID_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** AES-256: 32 bytes. */
    public static final int KEY_BYTES = 32;

    private final String id;
    private final SecretKey key;

    private DataKey(String id, SecretKey key) {
        this.id = id;
        this.key = key;
    }

    /**
     * A data key from its raw bytes (a KMS implementation unwraps them and calls this).
     *
     * @throws IllegalArgumentException when the id does not match {@link #ID_PATTERN} or the material is
     *                                  not {@value #KEY_BYTES} bytes; the message never contains the material
     */
    public static DataKey of(String id, byte[] material) {
        Objects.requireNonNull(material, "material");
        if (id == null || !ID_PATTERN.matcher(id).matches()) {
            throw new IllegalArgumentException("key id '" + id + "' must match " + ID_PATTERN.pattern());
        }
        if (material.length != KEY_BYTES) {
            throw new IllegalArgumentException("key '" + id + "' is " + material.length + " bytes; AES-256 needs "
                    + KEY_BYTES);
        }
        return new DataKey(id, new SecretKeySpec(material, "AES"));
    }

    public String id() {
        return id;
    }

    /** The key itself: for {@link PayloadCipher} only. */
    SecretKey secretKey() {
        return key;
    }

    @Override
    public String toString() {
        return "DataKey[" + id + "]";
    }
}
