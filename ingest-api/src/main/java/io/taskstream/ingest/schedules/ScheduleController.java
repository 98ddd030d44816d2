package io.taskstream.ingest.schedules;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
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
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.taskstream.ingest.audit.AuditDetail;
import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.auth.RequiresScope;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.http.JsonBodies;
import io.taskstream.ingest.http.KeysetCursor;
import io.taskstream.ingest.http.Page;
import io.taskstream.ingest.http.QueryParameters;
import io.taskstream.ingest.tasks.TaskController;
import io.taskstream.ingest.tasks.TraceContext;

/**
 * The schedule endpoints ({@link Schedules} says how they work): {@code POST /api/v1/schedules},
 * {@code GET /api/v1/schedules}, {@code GET|PUT|PATCH|DELETE /api/v1/schedules/{id}} and
 * {@code POST /api/v1/schedules/{id}:trigger}. Reads need {@code schedule:read}, everything else
 * {@code schedule:write}. Every one is confined to the caller's tenant: another tenant's schedule, like an
 * unknown one or an id that is not a UUID, is {@code 404}. Query parameters other than the documented ones
 * are {@code 400}.
 */
@RestController
@RequestMapping(ScheduleController.BASE)
public class ScheduleController {

    public static final String BASE = "/api/v1/schedules";
    static final String MERGE_PATCH_JSON = "application/merge-patch+json";
    /** The largest {@code PATCH} body read; the only field is a boolean. */
    static final long MAX_PATCH_BYTES = 16 * 1024;

    private final Schedules schedules;
    private final IngestProperties properties;

    public ScheduleController(Schedules schedules, IngestProperties properties) {
        this.schedules = schedules;
        this.properties = properties;
    }

    /** {@code 201} + {@code Location} + the schedule. */
    @RequiresScope(Scope.SCHEDULE_WRITE)
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<ScheduleView> create(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            HttpServletRequest request, @RequestHeader(name = "traceparent", required = false) String traceparent)
            throws IOException {
        ScheduleView created = schedules.create(principal, JsonBodies.readObject(request, properties.maxBodyBytes()),
                valid(traceparent));
        AuditDetail.put(request, "name", created.name());
        return ResponseEntity.status(HttpStatus.CREATED).location(URI.create(BASE + "/" + created.id()))
                .body(created);
    }

    /** The tenant's schedules, newest first: {@code {"items": [...], "nextCursor": "..."|null}}. */
    @RequiresScope(Scope.SCHEDULE_READ)
    @GetMapping
    public Page<ScheduleView> list(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @RequestParam MultiValueMap<String, String> parameters) {
        Map<String, String> given = QueryParameters.single(parameters, List.of("limit", "cursor"));
        int size = Page.limit(QueryParameters.limit(given));
        String scope = Schedules.listScope(principal.tenantId());
        return schedules.list(principal.tenantId(), size, KeysetCursor.decode(given.get("cursor"), scope));
    }

    /** The schedule; {@code ?from=<instant>} computes {@code nextRuns} from then instead of now. */
    @RequiresScope(Scope.SCHEDULE_READ)
    @GetMapping("/{id}")
    public ScheduleView get(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal, @PathVariable String id,
            @RequestParam MultiValueMap<String, String> parameters) {
        String from = QueryParameters.single(parameters, List.of("from")).get("from");
        Instant after = from == null ? null : QueryParameters.instant(from, "from");
        return schedules.get(principal.tenantId(), id(id), after);
    }

    /** Replaces the schedule: the body of {@code POST}; {@code 200} + the schedule. */
    @RequiresScope(Scope.SCHEDULE_WRITE)
    @PutMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
    public ScheduleView replace(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @PathVariable String id, HttpServletRequest request,
            @RequestHeader(name = "traceparent", required = false) String traceparent) throws IOException {
        var body = JsonBodies.readObject(request, properties.maxBodyBytes());
        ScheduleView replaced = schedules.replace(principal, id(id), body, valid(traceparent));
        AuditDetail.put(request, "name", replaced.name());
        return replaced;
    }

    /** Switches the schedule on or off, {@code {"enabled": false}}; {@code 200} + the schedule. */
    @RequiresScope(Scope.SCHEDULE_WRITE)
    @PatchMapping(path = "/{id}", consumes = {MediaType.APPLICATION_JSON_VALUE, MERGE_PATCH_JSON})
    public ScheduleView patch(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @PathVariable String id, HttpServletRequest request,
            @RequestHeader(name = "traceparent", required = false) String traceparent) throws IOException {
        SchedulePatch patch = SchedulePatch.of(JsonBodies.readObject(request, MAX_PATCH_BYTES));
        ScheduleView patched = schedules.setEnabled(principal, id(id), patch.enabled(), valid(traceparent));
        AuditDetail.put(request, "name", patched.name());
        AuditDetail.put(request, "enabled", patched.enabled());
        return patched;
    }

    /** Deletes the schedule: {@code 204}. */
    @RequiresScope(Scope.SCHEDULE_WRITE)
    @DeleteMapping("/{id}")
    public ResponseEntity<Void> delete(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @PathVariable String id, @RequestHeader(name = "traceparent", required = false) String traceparent,
            HttpServletRequest request) {
        AuditDetail.put(request, "name", schedules.delete(principal, id(id), valid(traceparent)).name());
        return ResponseEntity.noContent().build();
    }

    /**
     * Fires the schedule now: {@code 202} + the schedule, whose {@code lastTaskId} is the new task;
     * {@code Location} is the task's URL.
     */
    @RequiresScope(Scope.SCHEDULE_WRITE)
    @PostMapping("/{id}:trigger")
    public ResponseEntity<ScheduleView> trigger(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @PathVariable String id, @RequestHeader(name = "traceparent", required = false) String traceparent,
            HttpServletRequest request) {
        Schedules.Triggered triggered = schedules.trigger(principal, id(id),
                TraceContext.forRequest(traceparent).orElse(null));
        AuditDetail.put(request, "taskId", triggered.taskId().toString());
        return ResponseEntity.status(HttpStatus.ACCEPTED)
                .location(URI.create(TaskController.BASE + "/" + triggered.taskId()))
                .body(triggered.schedule());
    }

    private static UUID id(String id) {
        return parse(id).orElseThrow(() -> ApiException.notFound("no schedule " + id));
    }

    private static Optional<UUID> parse(String id) {
        try {
            return Optional.of(UUID.fromString(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** A {@code traceparent} worth forwarding, or null (a malformed one is dropped, as W3C asks). */
    private static String valid(String traceparent) {
        return TraceContext.forRequest(traceparent).map(TraceContext::traceparent).orElse(null);
    }
}
