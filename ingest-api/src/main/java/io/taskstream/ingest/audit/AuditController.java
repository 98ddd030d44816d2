package io.taskstream.ingest.audit;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.auth.RequiresScope;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.http.KeysetCursor;
import io.taskstream.ingest.http.Page;
import io.taskstream.ingest.http.QueryParameters;

/**
 * The audit log's endpoints: {@code GET /api/v1/audit} lists the caller's tenant's rows, newest first (scope
 * {@code key:admin}; an admin key may name another tenant with {@code X-Tenant-Id}), and
 * {@code POST /api/v1/audit:verify} checks the whole chain, every tenant's rows (scope {@code admin}).
 */
@RestController
@RequestMapping("/api/v1")
public class AuditController {

    private static final List<String> PARAMETERS = List.of("limit", "cursor", "action", "since");

    private final AuditRepository repository;

    public AuditController(AuditRepository repository) {
        this.repository = repository;
    }

    /**
     * The tenant's audit rows, newest first ({@code occurredAt}, then id), optionally of one {@code action} and
     * from {@code since} on: {@code {"items": [...], "nextCursor": "..."|null}}.
     */
    @RequiresScope(Scope.KEY_ADMIN)
    @GetMapping("/audit")
    public Page<AuditEntryView> list(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @RequestParam MultiValueMap<String, String> parameters) {
        Map<String, String> given = QueryParameters.single(parameters, PARAMETERS);
        int limit = Page.limit(QueryParameters.limit(given));
        String action = given.get("action");
        Instant since = given.containsKey("since") ? QueryParameters.instant(given.get("since"), "since") : null;
        String scope = "audit|" + principal.tenantId() + "|" + (action == null ? "" : action) + "|"
                + (since == null ? "" : since);
        KeysetCursor after = KeysetCursor.decode(given.get("cursor"), scope);
        List<AuditEntryView> rows = repository.page(principal.tenantId(), action, since,
                after == null ? null : after.at(), after == null ? null : rowId(after), limit + 1);
        return Page.ofKeyset(rows, limit, v -> new KeysetCursor(v.occurredAt(), new UUID(0, v.id())), scope);
    }

    /**
     * Recomputes the whole chain in the database: {@code {"valid", "rowsChecked", "headSeq", "headHash",
     * "firstBrokenSeq", "reason"}}. Always {@code 200}; a broken chain is {@code "valid": false}.
     */
    @RequiresScope(Scope.ADMIN)
    @PostMapping("/audit:verify")
    public ChainVerification verify(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            HttpServletRequest request) {
        ChainVerification verification = repository.verify();
        AuditDetail.put(request, "valid", verification.valid());
        AuditDetail.put(request, "rowsChecked", verification.rowsChecked());
        if (!verification.valid()) {
            AuditDetail.put(request, "firstBrokenSeq", verification.firstBrokenSeq());
        }
        return verification;
    }

    /** A row id travels in the cursor's UUID (its low 64 bits): the audit log's ids are numbers. */
    private static long rowId(KeysetCursor cursor) {
        return cursor.id().getLeastSignificantBits();
    }

}
