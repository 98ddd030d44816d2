package io.taskstream.schemas.crypto;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The key ring from one string, as {@code TASKSTREAM_ENCRYPTION_KEYS} holds it:
 * {@code <id>:<Base64 of 32 bytes>[,<id>:<Base64>…]}, e.g. {@code k2:3q2+7w…=,k1:AAEC…=}. The first
 * key is active unless {@code activeKey} ({@code TASKSTREAM_ENCRYPTION_ACTIVE_KEY}) names another.
 * Read once, when constructed; a bad value fails then, with a message that names the setting and
 * never shows key material.
 */
public final class EnvKeyProvider implements KeyProvider {

    private final KeyRing ring;

    /**
     * @param keys      the keys as described above
     * @param activeKey the active key's id, or null for the first
     * @param source    how the setting is named in error messages
     * @throws IllegalArgumentException when {@code keys} is not a valid ring
     */
    public EnvKeyProvider(String keys, String activeKey, String source) {
        this.ring = parse(keys, activeKey, source);
    }

    @Override
    public KeyRing keyRing() {
        return ring;
    }

    private static KeyRing parse(String keys, String activeKey, String source) {
        List<DataKey> parsed = new ArrayList<>();
        String[] entries = keys == null ? new String[0] : keys.split(",", -1);
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].strip();
            if (entry.isEmpty()) {
                if (entries.length > 1) {
                    throw new IllegalArgumentException(source + ": entry " + (i + 1) + " is empty");
                }
                continue;
            }
            int colon = entry.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException(source + ": entry " + (i + 1)
                        + " is not <id>:<Base64 of 32 bytes>");
            }
            parsed.add(key(entry.substring(0, colon).strip(), entry.substring(colon + 1).strip(),
                    source + ": entry " + (i + 1)));
        }
        if (parsed.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no keys");
        }
        try {
            return new KeyRing(activeKey, parsed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /**
     * One key from its id and Base64 material; {@code where} prefixes error messages. Never puts the
     * material (or a malformed id, which may be material in the wrong place) into a message.
     */
    static DataKey key(String id, String base64, String where) {
        if (!DataKey.ID_PATTERN.matcher(id).matches()) {
            throw new IllegalArgumentException(where + ": the key id must match " + DataKey.ID_PATTERN.pattern());
        }
        byte[] material;
        try {
            material = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException notStandard) {
            try {
                material = Base64.getUrlDecoder().decode(base64);
            } catch (IllegalArgumentException notUrlSafe) {
                throw new IllegalArgumentException(where + " (key '" + id + "'): the key is not Base64");
            }
        }
        try {
            return DataKey.of(id, material);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }
}
