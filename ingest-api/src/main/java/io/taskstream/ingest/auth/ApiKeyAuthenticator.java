package io.taskstream.ingest.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.Set;

import io.taskstream.ingest.config.IngestProperties;

/**
 * Decides whether a presented API key is valid and whom it names. For now there is one key, the
 * configured admin key; stored keys ({@code api_keys}, hashed the same way) come with the security
 * issue. Keys are compared as SHA-256 digests with {@link MessageDigest#isEqual}, so the time taken
 * says nothing about how much of a wrong key matched, and the key itself is kept only as its digest.
 */
public class ApiKeyAuthenticator {

    static final String ADMIN_KEY_ID = "admin";

    private final byte[] adminKeyDigest;
    private final ApiPrincipal admin;

    public ApiKeyAuthenticator(IngestProperties properties) {
        this.adminKeyDigest = sha256(properties.adminKey());
        this.admin = new ApiPrincipal(properties.adminTenant(), ADMIN_KEY_ID, Set.of(ApiPrincipal.ADMIN_SCOPE));
    }

    /** The principal of {@code presentedKey}, or empty when it is not a valid key. */
    public Optional<ApiPrincipal> authenticate(String presentedKey) {
        if (presentedKey == null || presentedKey.isEmpty()) {
            return Optional.empty();
        }
        return MessageDigest.isEqual(adminKeyDigest, sha256(presentedKey)) ? Optional.of(admin) : Optional.empty();
    }

    /** The SHA-256 digest of a key's UTF-8 bytes, the form in which keys are stored and compared. */
    public static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
