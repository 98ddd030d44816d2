package io.taskstream.ingest.keys;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.random.RandomGenerator;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.auth.KeyFormat;
import io.taskstream.ingest.auth.KeyInvalidations;
import io.taskstream.ingest.auth.KeyProperties;
import io.taskstream.ingest.auth.KeyRepository;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.auth.StoredKey;
import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.ingest.http.JsonBodies;
import io.taskstream.ingest.http.KeysetCursor;
import io.taskstream.ingest.http.Page;
import io.taskstream.schemas.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Minting, listing, revoking and rotating API keys ({@code /keys}), within the caller's tenant.
 *
 * <p>The rules that keep a key from doing more than it was given: a key can only mint, revoke or rotate
 * keys whose scopes it holds itself ({@code key:admin} alone cannot mint an {@code admin} key, nor revoke
 * one), and only in its own tenant; {@code admin} holds every scope and may name another tenant
 * ({@code tenantId} in the body, or the {@code X-Tenant-Id} header). A key of another tenant is
 * {@code 404}, as every resource of another tenant is.
 */
public class ApiKeys {

    static final Set<String> FIELDS = Set.of("name", "scopes", "expiresAt", "tenantId");
    static final int MAX_NAME_LENGTH = 100;

    private final KeyRepository repository;
    private final KeyInvalidations invalidations;
    private final KeyProperties properties;
    private final Clock clock;
    private final RandomGenerator random;

    public ApiKeys(KeyRepository repository, KeyInvalidations invalidations, KeyProperties properties, Clock clock,
            RandomGenerator random) {
        this.repository = repository;
        this.invalidations = invalidations;
        this.properties = properties;
        this.clock = clock;
        this.random = random;
    }

    /** {@code POST /keys}: the new key's view with its secret. */
    public KeyView mint(ApiPrincipal caller, ObjectNode body) {
        List<Violation> violations = new ArrayList<>(JsonBodies.unknownFields(body, FIELDS));
        Instant now = clock.instant();
        String name = name(body.get("name"), violations);
        Set<Scope> scopes = scopes(body.get("scopes"), violations);
        Instant expiresAt = expiresAt(body.get("expiresAt"), now, violations);
        String tenant = tenant(body.get("tenantId"), caller, violations);
        if (!violations.isEmpty()) {
            throw ApiException.validation(violations);
        }
        requireHeld(caller, scopes, "mint");
        for (int attempt = 0; ; attempt++) {
            KeyFormat.Parsed key = KeyFormat.generate(random);
            StoredKey stored = new StoredKey(UUID.randomUUID(), tenant, name, key.prefix(), key.secretHash(), scopes,
                    now, expiresAt, null, null, null);
            if (repository.insert(stored)) {
                invalidations.changed(key.prefix());
                return KeyView.of(stored, now, key.key(), null);
            }
            if (attempt == 2) {
                throw new IllegalStateException("three random key prefixes were taken: is the random source broken?");
            }
        }
    }

    /** {@code GET /keys}: the tenant's keys, newest first, revoked and expired ones included. */
    public Page<KeyView> list(ApiPrincipal caller, int limit, String cursor) {
        String scope = listScope(caller.tenantId());
        Instant now = clock.instant();
        List<StoredKey> rows = repository.page(caller.tenantId(), limit, KeysetCursor.decode(cursor, scope));
        return Page.ofKeyset(rows.stream().map(k -> KeyView.of(k, now)).toList(), limit,
                k -> new KeysetCursor(k.createdAt(), k.id()), scope);
    }

    /** {@code DELETE /keys/{id}}: revokes the key on every node (within a second, see {@link KeyInvalidations}). */
    public void revoke(ApiPrincipal caller, UUID id) {
        StoredKey key = find(caller, id);
        requireHeld(caller, key.scopes(), "revoke");
        repository.revoke(caller.tenantId(), id, clock.instant());
        invalidations.changed(key.prefix());
    }

    /**
     * {@code POST /keys/{id}:rotate}: a new secret under the same prefix; the current one keeps working for
     * the grace period ({@code gracePeriod} in the body, else {@code taskstream.ingest.keys.rotation-grace}).
     */
    public KeyView rotate(ApiPrincipal caller, UUID id, Optional<ObjectNode> body) {
        Duration grace = body.map(this::gracePeriod).orElse(properties.rotationGrace());
        StoredKey key = find(caller, id);
        requireHeld(caller, key.scopes(), "rotate");
        Instant now = clock.instant();
        String secret = KeyFormat.newSecret(random);
        byte[] hash = KeyFormat.sha256(secret);
        Instant previousExpiresAt = now.plus(grace);
        if (!repository.rotate(caller.tenantId(), id, hash, previousExpiresAt, now)) {
            throw ApiException.conflict("key " + id + " is revoked or expired; mint a new one");
        }
        invalidations.changed(key.prefix());
        StoredKey rotated = new StoredKey(key.id(), key.tenantId(), key.name(), key.prefix(), hash, key.scopes(),
                key.createdAt(), key.expiresAt(), null, key.secretHash(), previousExpiresAt);
        return KeyView.of(rotated, now, "ts_" + key.prefix() + "_" + secret, previousExpiresAt);
    }

    static String listScope(String tenantId) {
        return "keys|" + tenantId;
    }

    private StoredKey find(ApiPrincipal caller, UUID id) {
        return repository.find(caller.tenantId(), id).orElseThrow(() -> ApiException.notFound("no key " + id));
    }

    private static void requireHeld(ApiPrincipal caller, Set<Scope> scopes, String verb) {
        List<String> missing = scopes.stream().filter(s -> !caller.hasScope(s)).map(Scope::wireName).sorted().toList();
        if (!missing.isEmpty()) {
            throw new ApiException(ErrorCode.FORBIDDEN, "a key can only " + verb + " keys whose scopes it holds "
                    + "itself; this one lacks " + String.join(", ", missing));
        }
    }

    private Duration gracePeriod(ObjectNode body) {
        List<Violation> violations = new ArrayList<>(JsonBodies.unknownFields(body, Set.of("gracePeriod")));
        JsonNode value = body.get("gracePeriod");
        Duration grace = properties.rotationGrace();
        if (value != null) {
            try {
                grace = Duration.parse(value.isString() ? value.asString() : "");
                if (grace.isNegative() || grace.compareTo(properties.maxRotationGrace()) > 0) {
                    violations.add(new Violation("gracePeriod", "must be between PT0S and "
                            + properties.maxRotationGrace()));
                }
            } catch (DateTimeException e) {
                violations.add(new Violation("gracePeriod", "must be an ISO-8601 duration such as PT24H"));
            }
        }
        if (!violations.isEmpty()) {
            throw ApiException.validation(violations);
        }
        return grace;
    }

    private static String name(JsonNode value, List<Violation> violations) {
        if (value == null || !value.isString() || value.asString().isBlank()) {
            violations.add(new Violation("name", "is required: a name for the key, e.g. 'billing-service'"));
            return null;
        }
        String name = value.asString().strip();
        if (name.length() > MAX_NAME_LENGTH || name.chars().anyMatch(Character::isISOControl)) {
            violations.add(new Violation("name", "must be at most " + MAX_NAME_LENGTH
                    + " characters without control characters"));
        }
        return name;
    }

    private static Set<Scope> scopes(JsonNode value, List<Violation> violations) {
        if (value == null || !value.isArray() || value.isEmpty()) {
            violations.add(new Violation("scopes", "is required: a non-empty array of scopes, e.g. [\"task:create\"]"));
            return Set.of();
        }
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            Optional<Scope> scope = item.isString() ? Scope.of(item.asString()) : Optional.empty();
            if (scope.isEmpty()) {
                violations.add(new Violation("scopes[" + i + "]", "is not a scope; known: "
                        + EnumSet.allOf(Scope.class).stream().map(Scope::wireName).toList()));
            } else {
                scopes.add(scope.get());
            }
        }
        return scopes;
    }

    private static Instant expiresAt(JsonNode value, Instant now, List<Violation> violations) {
        if (value == null || value.isNull()) {
            return null;
        }
        try {
            Instant at = OffsetDateTime.parse(value.isString() ? value.asString() : "").toInstant();
            if (!at.isAfter(now)) {
                violations.add(new Violation("expiresAt", "must be in the future"));
            }
            return at;
        } catch (DateTimeException e) {
            violations.add(new Violation("expiresAt", "must be an ISO-8601 instant such as 2027-01-01T00:00:00Z"));
            return null;
        }
    }

    private static String tenant(JsonNode value, ApiPrincipal caller, List<Violation> violations) {
        if (value == null || value.isNull()) {
            return caller.tenantId();
        }
        if (!value.isString() || !IngestProperties.TENANT_PATTERN.matcher(value.asString()).matches()) {
            violations.add(new Violation("tenantId", IngestProperties.TENANT_RULE));
            return null;
        }
        String tenant = value.asString();
        if (!tenant.equals(caller.tenantId()) && !caller.isAdmin()) {
            throw new ApiException(ErrorCode.FORBIDDEN, "only an admin key may mint keys for another tenant");
        }
        return tenant;
    }
}
