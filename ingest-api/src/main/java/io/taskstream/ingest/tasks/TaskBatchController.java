package io.taskstream.ingest.tasks;

import java.io.IOException;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.auth.RequiresScope;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.http.JsonBodies;
import io.taskstream.schemas.Violation;

/**
 * {@code POST /api/v1/tasks:batch}: up to {@code max-batch-size} tasks in one request, through the same
 * {@link TaskSubmitter} as {@code POST /api/v1/tasks}. Its own controller because the path is a literal
 * suffix of the collection's segment ({@code /tasks:batch}), which a method mapping under
 * {@link TaskController}'s {@code /api/v1/tasks} cannot express.
 */
@RestController
@RequestMapping("/api/v1")
public class TaskBatchController {

    private final TaskSubmitter submitter;
    private final IngestProperties properties;

    public TaskBatchController(TaskSubmitter submitter, IngestProperties properties) {
        this.submitter = submitter;
        this.properties = properties;
    }

    /**
     * {@code 200 {"results": [...]}}, one result per task in order, each {@code 202}/{@code 200} with its
     * task or an error status with the problem it would have had alone. An {@code Idempotency-Key} header
     * is refused ({@code 400}): each task carries its own {@code idempotencyKey}.
     */
    @RequiresScope(Scope.TASK_CREATE)
    @PostMapping(path = "/tasks:batch", consumes = MediaType.APPLICATION_JSON_VALUE)
    public TaskBatch.Results submitBatch(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            HttpServletRequest request,
            @RequestHeader(name = TaskController.IDEMPOTENCY_KEY_HEADER, required = false) String idempotencyKey,
            @RequestHeader(name = "traceparent", required = false) String traceparent) throws IOException {
        if (idempotencyKey != null) {
            throw ApiException.validation(List.of(new Violation(TaskController.IDEMPOTENCY_KEY_HEADER,
                    "is not accepted on a batch: give each task its own idempotencyKey field")));
        }
        TaskBatch batch = TaskBatch.of(JsonBodies.readObject(request, properties.maxBatchBodyBytes()),
                properties.maxBatchSize());
        return TaskBatch.Results.of(submitter.submitAll(principal.tenantId(), batch.tasks(),
                TraceContext.forRequest(traceparent).orElse(null)));
    }
}
