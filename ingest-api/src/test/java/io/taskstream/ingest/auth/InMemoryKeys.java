package io.taskstream.ingest.auth;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code api_keys} in a map, for unit tests of what sits on top of the repository (the cache, the filter);
 * the SQL itself is tested against Postgres in {@code KeysIT}. Counts lookups by prefix.
 */
class InMemoryKeys extends KeyRepository {

    final Map<String, StoredKey> byPrefix = new ConcurrentHashMap<>();
    final AtomicInteger lookups = new AtomicInteger();

    InMemoryKeys() {
        super(null);
    }

    /** Stores a key of {@code tenant} with these scopes and returns the whole key string. */
    String add(String prefix, String tenant, Scope... scopes) {
        String secret = "s3cret" + prefix + "0123456789abcdef0123456789";
        byPrefix.put(prefix, new StoredKey(UUID.randomUUID(), tenant, prefix, prefix, KeyFormat.sha256(secret),
                Set.of(scopes), Instant.EPOCH, null, null, null, null));
        return "ts_" + prefix + "_" + secret;
    }

    @Override
    public Optional<StoredKey> findByPrefix(String prefix) {
        lookups.incrementAndGet();
        return Optional.ofNullable(byPrefix.get(prefix));
    }

    @Override
    public boolean insert(StoredKey key) {
        return byPrefix.putIfAbsent(key.prefix(), key) == null;
    }
}
