package io.taskstream.ingest;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;

import io.taskstream.ingest.auth.KeyFormat;
import io.taskstream.ingest.auth.KeyRepository;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.auth.StoredKey;

/** API keys for integration tests, stored the way {@code POST /keys} stores them, each with a fresh prefix. */
public final class TestKeys {

    private TestKeys() {
    }

    /** Stores a new key of {@code tenant} with {@code scopes} and returns the whole key to send. */
    public static String store(KeyRepository repository, String tenant, Scope... scopes) {
        KeyFormat.Parsed key = KeyFormat.generate(new java.security.SecureRandom());
        if (!repository.insert(new StoredKey(UUID.randomUUID(), tenant, "test key", key.prefix(), key.secretHash(),
                Set.of(scopes), Instant.now(), null, null, null, null))) {
            throw new IllegalStateException("prefix taken: " + key);
        }
        return key.key();
    }
}
