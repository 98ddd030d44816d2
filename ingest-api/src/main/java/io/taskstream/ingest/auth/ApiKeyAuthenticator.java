package io.taskstream.ingest.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;

/**
 * Decides whether a presented API key is valid and whom it names.
 *
 * <p>A key {@code ts_<prefix>_<secret>} is looked up by its prefix in {@code api_keys} and accepted when
 * the SHA-256 of its secret equals the stored digest (or, within the grace period after a rotation, the
 * previous one), compared in constant time, and the key is neither revoked nor expired — judged on every
 * request with the injected clock, so a key expires on time even while cached.
 *
 * <p>Keys read from Postgres are cached by prefix (Caffeine; by default 1,000 entries for 5 minutes,
 * unknown prefixes included, so a stream of wrong keys does not become a stream of queries). A revocation
 * or rotation on any node evicts the prefix here through {@link KeyInvalidations} (Redis pub/sub) within
 * a second; if that message is lost (Redis down), the cache's expiry bounds how long the old state lives.
 */
public class ApiKeyAuthenticator {

    private final LoadingCache<String, Optional<StoredKey>> keys;
    private final Clock clock;

    public ApiKeyAuthenticator(KeyRepository repository, Clock clock, int cacheSize, Duration cacheTtl) {
        this(repository, clock, cacheSize, cacheTtl, Ticker.systemTicker());
    }

    ApiKeyAuthenticator(KeyRepository repository, Clock clock, int cacheSize, Duration cacheTtl, Ticker ticker) {
        this.clock = clock;
        this.keys = Caffeine.newBuilder().maximumSize(cacheSize).expireAfterWrite(cacheTtl).ticker(ticker)
                .build(repository::findByPrefix);
    }

    /** The principal of {@code presentedKey}, or empty when it is not a valid key. */
    public Optional<ApiPrincipal> authenticate(String presentedKey) {
        return KeyFormat.parse(presentedKey).flatMap(parsed -> keys.get(parsed.prefix())
                .filter(stored -> stored.accepts(parsed.secretHash(), clock.instant()))
                .map(StoredKey::principal));
    }

    /** Forgets every cached key. */
    public void evictAll() {
        keys.invalidateAll();
    }

    /** Forgets what is cached for {@code prefix}: the next request reads the key again. */
    public void evict(String prefix) {
        keys.invalidate(prefix);
    }
}
