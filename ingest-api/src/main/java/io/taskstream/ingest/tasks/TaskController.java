package io.taskstream.ingest.tasks;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
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
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.auth.RequiresScope;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.ingest.http.JsonBodies;
import io.taskstream.ingest.http.KeysetCursor;
import io.taskstream.ingest.http.Page;
import io.taskstream.ingest.http.RequestBodies;
import io.taskstream.schemas.Violation;

/**
 * The task endpoints: {@code POST /api/v1/tasks} ({@link TaskSubmitter}; the batch is
 * {@link TaskBatchController}), {@code GET /api/v1/tasks} (the list, see {@link TaskQuery}),
 * {@code GET /api/v1/tasks/{id}} and its
 * {@code /executions}, {@code DELETE /api/v1/tasks/{id}} (cancel) and {@code PATCH /api/v1/tasks/{id}}
 * (re-prioritise, see {@link TaskControl}). Every one is confined to the caller's tenant: another
 * tenant's task, like an unknown one or an id that is not a UUID, is {@code 404}.
 */
@RestController
@RequestMapping(TaskController.BASE)
public class TaskController {

    public static final String BASE = "/api/v1/tasks";
    static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
    static final String MERGE_PATCH_JSON = "application/merge-patch+json";
    /** The largest {@code PATCH} body read; the only field is a priority. */
    static final long MAX_PATCH_BYTES = 16 * 1024;

    private final TaskSubmitter submitter;
    private final TaskRepository repository;
    private final PendingViews pendingViews;
    private final TaskControl control;
    private final IngestProperties properties;
    private final TaskEncryption encryption;

    public TaskController(TaskSubmitter submitter, TaskRepository repository, PendingViews pendingViews,
            TaskControl control, IngestProperties properties, TaskEncryption encryption) {
        this.encryption = encryption;
        this.submitter = submitter;
        this.repository = repository;
        this.pendingViews = pendingViews;
        this.control = control;
        this.properties = properties;
    }

    /** {@code 202} + {@code Location} for a new task; {@code 200} with the original for an idempotent retry. */
    @RequiresScope(Scope.TASK_CREATE)
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<TaskView> submit(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            HttpServletRequest request,
            @RequestHeader(name = IDEMPOTENCY_KEY_HEADER, required = false) String idempotencyKey,
            @RequestHeader(name = "traceparent", required = false) String traceparent) throws IOException {
        byte[] body = RequestBodies.read(request.getInputStream(), request.getContentLengthLong(),
                properties.maxBodyBytes());
        TaskSubmitter.Submitted result = submitter.submit(principal.tenantId(), body, idempotencyKey,
                TraceContext.forRequest(traceparent).orElse(null));
        return ResponseEntity.status(result.created() ? HttpStatus.ACCEPTED : HttpStatus.OK)
                .location(URI.create(BASE + "/" + result.task().id()))
                .body(result.task());
    }

    /**
     * The tenant's tasks, newest first, filtered as {@link TaskQuery} describes, without payloads:
     * {@code {"items": [...], "nextCursor": "..."|null}}.
     */
    @RequiresScope(Scope.TASK_READ)
    @GetMapping
    public Page<TaskView> list(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @RequestParam MultiValueMap<String, String> parameters) {
        TaskQuery query = TaskQuery.parse(principal.tenantId(), parameters);
        return Page.ofKeyset(repository.page(query).stream().map(encryption::open).toList(), query.limit(),
                t -> new KeysetCursor(t.createdAt(), t.id()), query.scope());
    }

    /**
     * The task view; {@code ?include=payload} adds the payload. Another tenant's task is {@code 404}. A
     * task accepted by this instance whose row could not be written is answered from {@link PendingViews}.
     */
    @RequiresScope(Scope.TASK_READ)
    @GetMapping("/{id}")
    public TaskView get(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal, @PathVariable String id,
            @RequestParam(name = "include", required = false) String include) {
        boolean withPayload = includes(include);
        return parseId(id).flatMap(taskId -> pendingViews.read(repository, principal.tenantId(), taskId, withPayload))
                .map(encryption::open) // an encrypted task's payload and result, decrypted for its tenant
                .orElseThrow(() -> new ApiException(ErrorCode.NOT_FOUND, "no task " + id));
    }

    /** Every attempt of the task, oldest first; not paginated ({@code nextCursor} is always null). */
    @RequiresScope(Scope.TASK_READ)
    @GetMapping("/{id}/executions")
    public Page<ExecutionView> executions(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @PathVariable String id) {
        UUID taskId = parseId(id)
                .filter(t -> pendingViews.read(repository, principal.tenantId(), t, false).isPresent())
                .orElseThrow(() -> ApiException.notFound("no task " + id));
        return Page.whole(repository.executions(principal.tenantId(), taskId));
    }

    /** Cancel: {@code 202} + the task as it is now; a terminal task is {@code 409 conflict}. */
    @RequiresScope(Scope.TASK_CANCEL)
    @DeleteMapping("/{id}")
    public ResponseEntity<TaskView> cancel(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @PathVariable String id, @RequestHeader(name = "traceparent", required = false) String traceparent) {
        UUID taskId = parseId(id).orElseThrow(() -> ApiException.notFound("no task " + id));
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(control.cancel(principal, taskId, valid(traceparent)));
    }

    /**
     * Re-prioritise, {@code {"priority": "HIGH"}}: {@code 202} + the task as it is now; a task that is
     * {@code PROCESSING} or finished is {@code 409 conflict}.
     */
    @RequiresScope(Scope.TASK_CREATE)
    @PatchMapping(path = "/{id}", consumes = {MediaType.APPLICATION_JSON_VALUE, MERGE_PATCH_JSON})
    public ResponseEntity<TaskView> patch(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @PathVariable String id, HttpServletRequest request,
            @RequestHeader(name = "traceparent", required = false) String traceparent) throws IOException {
        TaskPatch patch = TaskPatch.of(JsonBodies.readObject(request, MAX_PATCH_BYTES));
        UUID taskId = parseId(id).orElseThrow(() -> ApiException.notFound("no task " + id));
        return ResponseEntity.status(HttpStatus.ACCEPTED)
                .body(control.reprioritize(principal, taskId, patch.priority(), valid(traceparent)));
    }

    /** A {@code traceparent} worth forwarding, or null (a malformed one is dropped, as W3C asks). */
    private static String valid(String traceparent) {
        return TraceContext.forRequest(traceparent).map(TraceContext::traceparent).orElse(null);
    }

    private static boolean includes(String include) {
        if (include == null || include.isBlank()) {
            return false;
        }
        for (String part : Arrays.stream(include.split(",")).map(String::strip).toList()) {
            if (!part.equals("payload")) {
                throw ApiException.validation(List.of(new Violation("include",
                        "unknown value '" + part + "'; supported: payload")));
            }
        }
        return true;
    }

    private static Optional<UUID> parseId(String id) {
        try {
            return Optional.of(UUID.fromString(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
