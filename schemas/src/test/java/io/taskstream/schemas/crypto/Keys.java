package io.taskstream.schemas.crypto;

import java.util.Base64;

/** Test keys: distinct, recognisable 32-byte keys and their Base64. */
final class Keys {

    private Keys() {
    }

    static byte[] material(int seed) {
        byte[] key = new byte[DataKey.KEY_BYTES];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (seed * 31 + i * 7);
        }
        return key;
    }

    static String base64(int seed) {
        return Base64.getEncoder().encodeToString(material(seed));
    }

    static DataKey key(String id, int seed) {
        return DataKey.of(id, material(seed));
    }
}
