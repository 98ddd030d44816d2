package io.taskstream.schemas.crypto;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The data keys a node holds: one <em>active</em> key that encrypts, and every key (the active one
 * included) that may still decrypt, by id. Rotation adds a new key and makes it active; the old ones
 * stay in the ring for as long as anything they encrypted may still be read.
 */
public final class KeyRing {

    /** No keys: encryption is not configured on this node. */
    public static final KeyRing EMPTY = new KeyRing();

    private final String activeKeyId;
    private final Map<String, DataKey> keys;

    private KeyRing() {
        this.activeKeyId = null;
        this.keys = Map.of();
    }

    /**
     * @param activeKeyId the key that encrypts; null means the first of {@code keys}
     * @throws IllegalArgumentException no keys, two keys with one id, or an active id that is not among them
     */
    public KeyRing(String activeKeyId, List<DataKey> keys) {
        if (keys == null || keys.isEmpty()) {
            throw new IllegalArgumentException("a key ring needs at least one key");
        }
        Map<String, DataKey> byId = new LinkedHashMap<>();
        for (DataKey key : keys) {
            if (byId.putIfAbsent(key.id(), key) != null) {
                throw new IllegalArgumentException("key id '" + key.id() + "' is given twice");
            }
        }
        String active = activeKeyId == null ? keys.getFirst().id() : activeKeyId;
        if (!byId.containsKey(active)) {
            throw new IllegalArgumentException("the active key '" + active + "' is not among the keys "
                    + byId.keySet());
        }
        this.activeKeyId = active;
        this.keys = byId;
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }

    /**
     * The key that encrypts.
     *
     * @throws PayloadCipherException ({@link PayloadCipherException.Reason#NOT_CONFIGURED}) for the empty ring
     */
    public DataKey active() {
        if (activeKeyId == null) {
            throw new PayloadCipherException(PayloadCipherException.Reason.NOT_CONFIGURED, null,
                    "payload encryption is not configured on this node (no key ring: set "
                            + EncryptionSettings.KEYS_VARIABLE + " or " + EncryptionSettings.KEYS_FILE_VARIABLE + ")");
        }
        return keys.get(activeKeyId);
    }

    /** The key with this id, if the ring holds it. */
    public Optional<DataKey> find(String keyId) {
        return Optional.ofNullable(keys.get(keyId));
    }

    /** The ids of the ring's keys, in their configured order (never the material). */
    public Set<String> keyIds() {
        return keys.keySet();
    }

    @Override
    public String toString() {
        return isEmpty() ? "KeyRing[]" : "KeyRing[active=" + activeKeyId + ", keys=" + keys.keySet() + "]";
    }
}
