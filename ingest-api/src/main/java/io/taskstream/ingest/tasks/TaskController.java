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
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Violation;

/** {@code POST /api/v1/tasks} and {@code GET /api/v1/tasks/{id}}. */
@RestController
@RequestMapping(TaskController.BASE)
public class TaskController {

    public static final String BASE = "/api/v1/tasks";
    static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
    static final String SCOPE_CREATE = "task:create";
    static final String SCOPE_READ = "task:read";

    private final TaskSubmitter submitter;
    private final TaskRepository repository;
    private final IngestProperties properties;

    public TaskController(TaskSubmitter submitter, TaskRepository repository, IngestProperties properties) {
        this.submitter = submitter;
        this.repository = repository;
        this.properties = properties;
    }

    /** {@code 202} + {@code Location} for a new task; {@code 200} with the original for an idempotent retry. */
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<TaskView> submit(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            HttpServletRequest request,
            @RequestHeader(name = IDEMPOTENCY_KEY_HEADER, required = false) String idempotencyKey,
            @RequestHeader(name = "traceparent", required = false) String traceparent) throws IOException {
        requireScope(principal, SCOPE_CREATE);
        byte[] body = RequestBodies.read(request.getInputStream(), request.getContentLengthLong(),
                properties.maxBodyBytes());
        TaskSubmitter.Submitted result = submitter.submit(principal.tenantId(), body, idempotencyKey,
                TraceContext.parse(traceparent).orElse(null));
        return ResponseEntity.status(result.created() ? HttpStatus.ACCEPTED : HttpStatus.OK)
                .location(URI.create(BASE + "/" + result.task().id()))
                .body(result.task());
    }

    /** The task view; {@code ?include=payload} adds the payload. Another tenant's task is {@code 404}. */
    @GetMapping("/{id}")
    public TaskView get(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal, @PathVariable String id,
            @RequestParam(name = "include", required = false) String include) {
        requireScope(principal, SCOPE_READ);
        boolean withPayload = includes(include);
        return parseId(id).flatMap(taskId -> repository.find(principal.tenantId(), taskId, withPayload))
                .orElseThrow(() -> new ApiException(ErrorCode.NOT_FOUND, "no task " + id));
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

    private static void requireScope(ApiPrincipal principal, String scope) {
        if (!principal.hasScope(scope)) {
            throw new ApiException(ErrorCode.FORBIDDEN, "the API key lacks the scope " + scope);
        }
    }
}
