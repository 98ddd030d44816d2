package io.taskstream.ingest.dlq;

import java.io.IOException;
import java.util.Optional;
import java.util.UUID;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.taskstream.ingest.audit.AuditDetail;
import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.auth.RequiresScope;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.http.JsonBodies;
import io.taskstream.ingest.http.Page;
import io.taskstream.ingest.tasks.TaskView;
import io.taskstream.ingest.tasks.TraceContext;

/**
 * The dead-letter queue's endpoints (see {@link DeadLetterQueue}). Custom methods follow the contract's
 * {@code resource:verb} form; Spring MVC's path patterns match them as a literal suffix of a segment
 * ({@code /dlq/{taskId}:replay}), and {@code taskId} never contains the colon because a task id is a
 * UUID (anything else is {@code 404}).
 */
@RestController
@RequestMapping("/api/v1")
public class DeadLetterController {

    /** The largest {@code POST /dlq:replay} body read; its fields are three short values. */
    static final long MAX_BODY_BYTES = 16 * 1024;

    private final DeadLetterQueue queue;

    public DeadLetterController(DeadLetterQueue queue) {
        this.queue = queue;
    }

    /** The tenant's queue, newest first: {@code {"items", "nextCursor"}}; {@code limit} 1–500, default 50. */
    @RequiresScope(Scope.DLQ_READ)
    @GetMapping("/dlq")
    public Page<DeadLetterView> list(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @RequestParam(name = "type", required = false) String type,
            @RequestParam(name = "limit", required = false) Integer limit,
            @RequestParam(name = "cursor", required = false) String cursor) {
        return queue.list(principal.tenantId(), type == null || type.isEmpty() ? null : type, Page.limit(limit),
                cursor);
    }

    /** One task of the queue with every attempt. */
    @RequiresScope(Scope.DLQ_READ)
    @GetMapping("/dlq/{taskId}")
    public DeadLetterDetail get(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @PathVariable String taskId) {
        return queue.get(principal.tenantId(), id(taskId));
    }

    /** Replays one task: {@code 202} + the task view; it leaves the queue. */
    @RequiresScope(Scope.DLQ_WRITE)
    @PostMapping("/dlq/{taskId}:replay")
    public ResponseEntity<TaskView> replay(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @PathVariable String taskId, @RequestHeader(name = "traceparent", required = false) String traceparent) {
        TaskView task = queue.replay(principal, id(taskId),
                TraceContext.forRequest(traceparent).map(TraceContext::traceparent).orElse(null));
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(task);
    }

    /** Replays the oldest matching tasks: {@code 200 {"replayed": n, "taskIds": [...]}}. */
    @RequiresScope(Scope.DLQ_WRITE)
    @PostMapping(path = "/dlq:replay", consumes = MediaType.APPLICATION_JSON_VALUE)
    public BulkReplayResult replayMatching(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            HttpServletRequest request) throws IOException {
        BulkReplay replay = BulkReplay.of(JsonBodies.readObject(request, MAX_BODY_BYTES));
        BulkReplayResult result = queue.replayMatching(principal, replay);
        AuditDetail.put(request, "replayed", result.replayed());
        AuditDetail.put(request, "taskIds", result.taskIds().stream().map(Object::toString).toList());
        return result;
    }

    /** Purges a task from the queue: {@code 204}; the task stays {@code FAILED}. */
    @RequiresScope(Scope.DLQ_WRITE)
    @DeleteMapping("/dlq/{taskId}")
    public ResponseEntity<Void> purge(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @PathVariable String taskId) {
        queue.purge(principal, id(taskId));
        return ResponseEntity.noContent().build();
    }

    private static UUID id(String taskId) {
        return parse(taskId).orElseThrow(() -> DeadLetterQueue.notInQueue(taskId));
    }

    private static Optional<UUID> parse(String id) {
        try {
            return Optional.of(UUID.fromString(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
