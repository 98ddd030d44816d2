package io.taskstream.ingest.keys;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.auth.RequiresScope;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.http.JsonBodies;
import io.taskstream.ingest.http.Page;
import io.taskstream.ingest.http.QueryParameters;

/** {@code /api/v1/keys} (CONTRACT.md §2, "API keys, scopes, tenants"); the rules are {@link ApiKeys}'. */
@RestController
@RequestMapping(KeyController.BASE)
public class KeyController {

    static final String BASE = "/api/v1/keys";
    static final long MAX_BODY_BYTES = 16 * 1024;

    private final ApiKeys keys;

    public KeyController(ApiKeys keys) {
        this.keys = keys;
    }

    /** {@code 201} + {@code Location} + the key with its secret, shown this once. */
    @RequiresScope(Scope.KEY_ADMIN)
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<KeyView> mint(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            HttpServletRequest request) throws IOException {
        KeyView key = keys.mint(principal, JsonBodies.readObject(request, MAX_BODY_BYTES));
        return ResponseEntity.status(HttpStatus.CREATED).location(URI.create(BASE + "/" + key.id())).body(key);
    }

    /** The tenant's keys, newest first, without secrets: {@code {"items": [...], "nextCursor": ...}}. */
    @RequiresScope(Scope.KEY_ADMIN)
    @GetMapping
    public Page<KeyView> list(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @RequestParam MultiValueMap<String, String> parameters) {
        Map<String, String> given = QueryParameters.single(parameters, List.of("limit", "cursor"));
        return keys.list(principal, Page.limit(QueryParameters.limit(given)), given.get("cursor"));
    }

    /** Revokes the key: {@code 204}; every node refuses it within a second. */
    @RequiresScope(Scope.KEY_ADMIN)
    @DeleteMapping("/{id}")
    public ResponseEntity<Void> revoke(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @PathVariable String id) {
        keys.revoke(principal, id(id));
        return ResponseEntity.noContent().build();
    }

    /**
     * A new secret for the key, {@code 200} + the key with it; the previous secret works until
     * {@code previousSecretExpiresAt}. Optional body {@code {"gracePeriod": "PT1H"}}.
     */
    @RequiresScope(Scope.KEY_ADMIN)
    @PostMapping("/{id}:rotate")
    public KeyView rotate(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal, @PathVariable String id,
            HttpServletRequest request) throws IOException {
        UUID keyId = id(id);
        Optional<tools.jackson.databind.node.ObjectNode> body = request.getContentLengthLong() > 0
                || request.getHeader("Transfer-Encoding") != null
                ? Optional.of(JsonBodies.readObject(request, MAX_BODY_BYTES)) : Optional.empty();
        return keys.rotate(principal, keyId, body);
    }

    private static UUID id(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("no key " + id);
        }
    }
}
