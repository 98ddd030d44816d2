package io.taskstream.ingest.auth;

import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.taskstream.ingest.config.IngestProperties;

/**
 * Stores the bootstrap admin key ({@code TASKSTREAM_BOOTSTRAP_ADMIN_KEY} / {@code TASKSTREAM_ADMIN_KEY})
 * at start-up, hashed, unless {@code api_keys} already holds a key with its prefix — then the stored key
 * stands, so a bootstrap key revoked or rotated through the API stays that way across restarts. Refuses
 * to start when no admin key is configured and none is stored: nobody could ever mint a key.
 */
public final class KeyBootstrap {

    private static final Logger log = LoggerFactory.getLogger(KeyBootstrap.class);
    static final String NAME = "bootstrap admin";

    private KeyBootstrap() {
    }

    /**
     * @return the stored key when this start stored it, else null
     */
    public static StoredKey run(IngestProperties properties, KeyRepository repository, Clock clock) {
        Instant now = clock.instant();
        if (properties.adminKey() == null) {
            if (!repository.anyActiveAdmin(now)) {
                throw new IllegalStateException("taskstream.ingest.admin-key is not set: set TASKSTREAM_ADMIN_KEY "
                        + "(or TASKSTREAM_BOOTSTRAP_ADMIN_KEY) to the first admin key of this deployment, "
                        + "ts_<prefix>_<secret> with a secret of " + IngestProperties.MIN_ADMIN_SECRET_LENGTH
                        + "+ letters and digits; the database holds no admin key yet");
            }
            return null;
        }
        KeyFormat.Parsed key = KeyFormat.parse(properties.adminKey()).orElseThrow();
        StoredKey stored = new StoredKey(UUID.randomUUID(), properties.adminTenant(), NAME, key.prefix(),
                key.secretHash(), Set.of(Scope.ADMIN), now, null, null, null, null);
        if (repository.insert(stored)) {
            log.info("Stored the bootstrap admin key {} for tenant {}", key, properties.adminTenant());
            return stored;
        }
        repository.findByPrefix(key.prefix()).filter(k -> !k.accepts(key.secretHash(), now)).ifPresent(k -> log.warn(
                "The bootstrap admin key {} does not open the stored key with its prefix (rotated, revoked or "
                        + "expired since): the stored key stands", key));
        return null;
    }
}
