package io.taskstream.ingest.tasks;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.ingest.http.JsonBodies;
import io.taskstream.schemas.Document;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Violation;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns the body of {@code POST /api/v1/tasks} (or one task of {@code POST /api/v1/tasks:batch}) into
 * a {@link TaskSubmission}, or says precisely why not. There is one set of rules: the request becomes
 * the submission document that goes to Kafka (the REST fields plus {@code id}, {@code tenantId} and
 * {@code createdAt} from the server), which is checked against the {@code task-submission/v1} JSON
 * Schema and then bound to the record, whose constructor checks the rest — exactly what the scheduler
 * applies to records of direct producers.
 *
 * <ul>
 *   <li>not JSON (or trailing garbage, duplicate keys, nesting deeper than
 *       {@link Json#MAX_NESTING_DEPTH}) → {@code 400 malformed_request};</li>
 *   <li>a field the REST body does not have (including the server's own {@code tenantId},
 *       {@code id}, {@code createdAt}) → {@code 400 validation_failed};</li>
 *   <li>a serialized {@code payload} over the limit → {@code 413 payload_too_large};</li>
 *   <li>anything the schema or the record rejects → {@code 400 validation_failed}, one
 *       {@code {field, message}} per problem.</li>
 * </ul>
 * A {@code null} value counts as an absent field.
 */
public final class SubmissionReader {

    /** The fields of the REST body (CONTRACT.md §2). */
    static final Set<String> REQUEST_FIELDS = Set.of("type", "payload", "priority", "runAt", "delay", "maxAttempts",
            "timeout", "backoff", "orderingKey", "idempotencyKey", "labels", "encrypt");

    private static final Pattern LEADING_FIELD = Pattern.compile("^([a-zA-Z]+(?:\\.[a-zA-Z]+)?)\\b");

    private final SchemaValidator validator;
    private final int maxPayloadBytes;
    public SubmissionReader(SchemaValidator validator, int maxPayloadBytes) {
        this.validator = validator;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /**
     * Reads one request.
     *
     * @param idempotencyKeyHeader the {@code Idempotency-Key} header, equivalent to the field; if both
     *                             are given they must be equal
     * @throws ApiException (400, 413) when the request is not a valid task
     */
    public TaskSubmission read(byte[] body, String tenantId, UUID id, Instant createdAt, String idempotencyKeyHeader) {
        return read(JsonBodies.parseObject(body), tenantId, id, createdAt, idempotencyKeyHeader);
    }

    /**
     * Reads one request already parsed, e.g. one task of a batch; {@code request} is not changed.
     *
     * @throws ApiException (400, 413) when the request is not a valid task
     */
    public TaskSubmission read(ObjectNode request, String tenantId, UUID id, Instant createdAt,
            String idempotencyKeyHeader) {
        List<Violation> violations = new ArrayList<>();
        ObjectNode submission = Json.mapper().createObjectNode();
        submission.put("id", id.toString());
        submission.put("tenantId", tenantId);
        for (Map.Entry<String, JsonNode> field : request.properties()) {
            if (field.getValue().isNull()) {
                continue;
            }
            if (REQUEST_FIELDS.contains(field.getKey())) {
                submission.set(field.getKey(), field.getValue());
            } else {
                violations.add(new Violation(field.getKey(), "unknown field"));
            }
        }
        checkPayloadSize(submission.get("payload"));
        applyIdempotencyHeader(submission, idempotencyKeyHeader, violations);
        submission.put("createdAt", createdAt.toString());

        for (Violation v : validator.validate(Document.TASK_SUBMISSION, submission)) {
            violations.add(explain(v));
        }
        if (!violations.isEmpty()) {
            throw ApiException.validation(violations);
        }
        try {
            return Json.mapper().treeToValue(submission, TaskSubmission.class);
        } catch (DatabindException e) {
            throw ApiException.validation(List.of(violationOf(e)));
        }
    }

    private void checkPayloadSize(JsonNode payload) {
        if (payload == null || !payload.isObject()) {
            return;
        }
        int size = Json.mapper().writeValueAsBytes(payload).length;
        if (size > maxPayloadBytes) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "the payload is " + size
                    + " bytes serialized; at most " + maxPayloadBytes + " are accepted");
        }
    }

    private static void applyIdempotencyHeader(ObjectNode submission, String header, List<Violation> violations) {
        if (header == null || header.isEmpty()) {
            return;
        }
        JsonNode field = submission.get("idempotencyKey");
        if (field == null) {
            submission.put("idempotencyKey", header);
        } else if (!field.isString() || !field.asString().equals(header)) {
            violations.add(new Violation("idempotencyKey", "differs from the Idempotency-Key header"));
        }
    }

    /** Schema messages are kept as they are, except the one for {@code runAt} with {@code delay}. */
    static Violation explain(Violation v) {
        if (v.field().isEmpty() && v.message().contains("\"runAt\"") && v.message().contains("\"delay\"")) {
            return new Violation("runAt", "runAt and delay are exclusive: give at most one of them");
        }
        return v;
    }

    /** A binding failure names its field by its JSON path, a constructor check by its first word. */
    static Violation violationOf(DatabindException e) {
        Throwable cause = e.getCause();
        if (cause instanceof IllegalArgumentException iae && iae.getMessage() != null) {
            return new Violation(leadingField(iae.getMessage()), iae.getMessage());
        }
        StringBuilder path = new StringBuilder();
        for (var reference : e.getPath()) {
            if (reference.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(reference.getPropertyName());
            }
        }
        String message = cause instanceof DateTimeException
                ? "is not a valid ISO-8601 value" : "has an invalid value";
        return new Violation(path.toString(), message);
    }

    private static String leadingField(String message) {
        Matcher m = LEADING_FIELD.matcher(message);
        if (m.find()) {
            String candidate = m.group(1);
            String root = candidate.contains(".") ? candidate.substring(0, candidate.indexOf('.')) : candidate;
            if (REQUEST_FIELDS.contains(root)) {
                return candidate;
            }
        }
        return "";
    }
}
