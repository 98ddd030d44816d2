package io.taskstream.ingest.openapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.media.Schema;
import io.taskstream.ingest.schedules.ScheduleReader;
import io.taskstream.schemas.Document;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The schema components springdoc cannot derive from a Java type: the request bodies (the controllers
 * read raw bytes, to bound their size before parsing), the {@code Problem} every error answers, and
 * fallbacks for answers whose Java type says nothing. Written as JSON Schema (OpenAPI 3.1 is JSON
 * Schema 2020-12), so each reads like the body it describes.
 *
 * <p>{@value #TASK_SUBMISSION_REQUEST} is not written here but derived from {@code task-submission.v1.json},
 * the schema every submission is validated against: its properties minus the ones the server sets
 * ({@link #SERVER_FIELDS}), with the schema's {@code $defs} inlined. So the documented request cannot
 * drift from the rules the API applies. {@value #SCHEDULE_TASK}, a schedule's task, is derived from it in
 * turn: its fields that a template has ({@link ScheduleReader#TASK_FIELDS}).
 */
final class ComponentSchemas {

    static final String PROBLEM = "Problem";
    static final String TASK_SUBMISSION_REQUEST = "TaskSubmissionRequest";
    static final String TASK_PATCH_REQUEST = "TaskPatchRequest";
    static final String BULK_REPLAY_REQUEST = "BulkReplayRequest";
    static final String TASK_BATCH_REQUEST = "TaskBatchRequest";
    static final String TASK_BATCH_RESPONSE = "TaskBatchResponse";
    static final String SCHEDULE_REQUEST = "ScheduleRequest";
    static final String SCHEDULE_TASK = "ScheduleTaskRequest";
    static final String SCHEDULE_PATCH_REQUEST = "SchedulePatchRequest";
    static final String KEY_REQUEST = "KeyRequest";
    static final String KEY_ROTATE_REQUEST = "KeyRotateRequest";
    static final String TENANT_LIMITS_REQUEST = "TenantLimitsRequest";
    static final String TENANT_LIMIT = "TenantLimit";

    /** Fields of a {@code TaskSubmission} that the server sets; a request naming one is refused. */
    static final Set<String> SERVER_FIELDS = Set.of("id", "tenantId", "createdAt", "scheduleId");

    private static final Pattern COMPONENT_REF = Pattern.compile("#/components/schemas/([A-Za-z0-9_.-]+)");

    private static final String PRIORITIES = Json.mapper().writeValueAsString(Priority.values());
    private static final String SCOPES = Json.mapper().writeValueAsString(Arrays.stream(Scope.values())
            .map(Scope::wireName).toList());

    private static final Map<String, String> SUBMISSION_FIELD_DOCS = Map.ofEntries(
            Map.entry("type", "What the task is; the worker that runs it finds its handler by it."),
            Map.entry("payload", "The handler's input: a JSON object, at most 256 KiB serialized (configurable, "
                    + "`taskstream.ingest.max-payload-bytes`); bigger is `413 payload_too_large`."),
            Map.entry("priority", "The queue the task waits in. Default `NORMAL`."),
            Map.entry("runAt", "When the task becomes due (ISO-8601 instant). Excludes `delay`; neither: now."),
            Map.entry("delay", "Due this long after acceptance (ISO-8601 duration). Excludes `runAt`."),
            Map.entry("maxAttempts", "Tries in all, the first included. Default 4 (1 try + 3 retries)."),
            Map.entry("timeout", "The longest one attempt may run (ISO-8601 duration, at most `PT24H`). "
                    + "Default `PT5M`."),
            Map.entry("backoff", "The wait before retry n: min(max, initial × multiplier^(n-1)) ± jitter. Every "
                    + "field is optional; an absent one takes the default (`PT1S`, 2.0, `PT5M`, 0.2); `max` must "
                    + "not be shorter than `initial`."),
            Map.entry("orderingKey", "Tasks with the same key run one at a time, in submission order."),
            Map.entry("idempotencyKey", "The same key again answers the original task (`200`) for the same "
                    + "request and `409 idempotency_conflict` for another. The `Idempotency-Key` header is "
                    + "equivalent; given both, they must be equal."),
            Map.entry("labels", "Free string labels, e.g. the owning team; `GET /tasks?label=k:v` filters on them."),
            Map.entry("encrypt", "Encrypt the payload (and the result) with AES-256-GCM before it reaches Kafka "
                    + "or the database; the worker decrypts it just before the handler, and `GET /tasks/{id}` shows "
                    + "it decrypted. Needs a key ring on the server (`TASKSTREAM_ENCRYPTION_KEYS`); without one "
                    + "`400 validation_failed`. Default false."));

    private static final Map<String, String> WRITTEN = new LinkedHashMap<>();

    static {
        WRITTEN.put(PROBLEM, """
                {
                  "type": "object",
                  "description": "An RFC 9457 problem (`application/problem+json`), the body of every error.",
                  "required": ["type", "title", "status", "detail", "code"],
                  "properties": {
                    "type": {"type": "string", "format": "uri",
                             "description": "`https://taskstream.io/problems/<code>`"},
                    "title": {"type": "string", "description": "The code's fixed human title."},
                    "status": {"type": "integer", "description": "The HTTP status."},
                    "detail": {"type": "string", "description": "What went wrong with this request."},
                    "instance": {"type": "string", "format": "uri-reference"},
                    "code": {"type": "string", "description": %s},
                    "errors": {
                      "type": "array",
                      "description": "With `validation_failed`: one entry per problem, in request order.",
                      "items": {
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": {
                          "field": {"type": "string",
                                    "description": "The field's name or path (`backoff.max`); empty: the body."},
                          "message": {"type": "string"}
                        }
                      }
                    }
                  }
                }
                """.formatted(quoted("The stable machine code: `validation_failed`, `malformed_request`, "
                + "`unauthenticated`, `forbidden`, `not_found`, `conflict`, `idempotency_conflict`, `payload_too_large`, "
                + "`rate_limited`, `queue_full`, `dependency_unavailable` (and `method_not_allowed`, `not_acceptable`, "
                + "`unsupported_media_type`, `internal_error` for what HTTP itself refuses or fails).")));
        WRITTEN.put(TASK_PATCH_REQUEST, """
                {
                  "type": "object",
                  "description": "A change to a task that is not yet `PROCESSING`. `priority` is the only field.",
                  "required": ["priority"],
                  "additionalProperties": false,
                  "properties": {
                    "priority": {"type": "string", "enum": %s, "description": "The new priority."}
                  }
                }
                """.formatted(PRIORITIES));
        WRITTEN.put(BULK_REPLAY_REQUEST, """
                {
                  "type": "object",
                  "description": %s,
                  "additionalProperties": false,
                  "properties": {
                    "type": {"type": "string", "description": "Only tasks of this type."},
                    "failedBefore": {"type": "string", "format": "date-time",
                                     "description": "Only tasks dead-lettered (`deadLetteredAt`) before this instant."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1000,
                              "description": "At most this many."}
                  }
                }
                """.formatted(quoted("Which dead-lettered tasks to replay, the oldest first. Every field is optional: "
                + "`{}` replays the oldest 1,000 of the tenant's queue. Tasks dead-lettered as `invalid_record` are "
                + "skipped.")));
        WRITTEN.put(TASK_BATCH_REQUEST, """
                {
                  "type": "object",
                  "description": "Up to 1,000 tasks, each a `POST /tasks` body.",
                  "required": ["tasks"],
                  "additionalProperties": false,
                  "properties": {
                    "tasks": {"type": "array", "maxItems": 1000,
                              "items": {"$ref": "#/components/schemas/TaskSubmissionRequest"}}
                  }
                }
                """);
        WRITTEN.put(TASK_BATCH_RESPONSE, """
                {
                  "type": "object",
                  "description": "One result per submitted item, in request order.",
                  "required": ["results"],
                  "properties": {
                    "results": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "required": ["index", "status"],
                        "properties": {
                          "index": {"type": "integer", "description": "The item's position in `tasks`, from 0."},
                          "status": {"type": "integer", "description": %s},
                          "task": {"$ref": "#/components/schemas/TaskView",
                                   "description": "The task, for 202 and 200."},
                          "error": {"$ref": "#/components/schemas/Problem",
                                    "description": "Why the item was refused, otherwise."}
                        }
                      }
                    }
                  }
                }
                """.formatted(quoted("What `POST /tasks` would have answered for the item: 202, 200 (an "
                + "idempotent repeat), 4xx or 503.")));
    }

    static {
        WRITTEN.put(SCHEDULE_REQUEST, """
                {
                  "type": "object",
                  "description": %s,
                  "required": ["name", "cron", "task"],
                  "additionalProperties": false,
                  "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 200,
                             "description": "Unique within the tenant (else `409 conflict`)."},
                    "cron": {"type": "string", "minLength": 1, "description": %s},
                    "timezone": {"type": "string", "default": "UTC",
                                 "description": "The IANA time zone the expression is read in, e.g. `Europe/Berlin`."},
                    "task": {"$ref": "#/components/schemas/ScheduleTaskRequest"},
                    "enabled": {"type": "boolean", "default": true,
                                "description": "A disabled schedule does not fire (it can still be triggered)."},
                    "misfirePolicy": {"type": "string", "enum": ["FIRE_ONCE", "SKIP"], "default": "FIRE_ONCE",
                                      "description": %s},
                    "overlap": {"type": "string", "enum": ["ALLOW", "SKIP_IF_RUNNING"], "default": "ALLOW",
                                "description": %s}
                  }
                }
                """.formatted(quoted("A cron schedule: every fire time of `cron` in `timezone` submits one task made "
                + "from `task`. Unknown fields are refused with `400 validation_failed`; a `null` value counts as "
                + "absent."),
                quoted("Unix 5 fields (`0 2 * * *`), or 6 with seconds first; Quartz-style `?`, `L`, `W`, `#`. Fire "
                + "times closer than one minute (configurable) are refused. A local time that does not exist "
                + "(spring forward) fires at the first valid instant after the gap; one that occurs twice (fall "
                + "back) fires once, the first time."),
                quoted("What to do with fire times missed while no scheduler ran (more than the misfire threshold, "
                + "default 1 minute, late): `FIRE_ONCE`, one catch-up task for all of them (as the latest); `SKIP`, "
                + "none. Fire times less late all fire."),
                quoted("`SKIP_IF_RUNNING`: a fire time is skipped while the schedule's previous task has not "
                + "finished. Triggers ignore it.")));
        WRITTEN.put(SCHEDULE_PATCH_REQUEST, """
                {
                  "type": "object",
                  "description": "Switches a schedule on or off. `enabled` is the only field; change the rest with `PUT`.",
                  "required": ["enabled"],
                  "additionalProperties": false,
                  "properties": {
                    "enabled": {"type": "boolean"}
                  }
                }
                """);
        WRITTEN.put(KEY_REQUEST, """
                {
                  "type": "object",
                  "description": "A key to mint. The caller must hold every scope it asks for.",
                  "required": ["name", "scopes"],
                  "additionalProperties": false,
                  "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 100,
                             "description": "What the key is for, e.g. `billing-service`."},
                    "scopes": {"type": "array", "minItems": 1, "uniqueItems": true,
                               "items": {"type": "string", "enum": %s}},
                    "expiresAt": {"type": ["string", "null"], "format": "date-time",
                                  "description": "When the key stops working (a future instant); none: never."},
                    "tenantId": {"type": ["string", "null"], "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
                                 "description": "Another tenant than the caller's: `admin` keys only."}
                  }
                }
                """.formatted(SCOPES));
        WRITTEN.put(KEY_ROTATE_REQUEST, """
                {
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "gracePeriod": {"type": "string", "format": "duration",
                                    "description": "How long the previous secret keeps working (ISO-8601, at most \
                P7D by default); absent: `taskstream.ingest.keys.rotation-grace`."}
                  }
                }
                """);
        WRITTEN.put(TENANT_LIMITS_REQUEST, """
                {
                  "type": "object",
                  "description": %s,
                  "additionalProperties": false,
                  "properties": {
                    "requestsPerMinute": {"type": "integer", "minimum": 1, "maximum": 60000000,
                                          "description": "The tenant's rate in every group without a limit of its own."},
                    "burst": {"type": "integer", "minimum": 1, "maximum": 10000000,
                              "description": "How many requests at once (the bucket's size); given with requestsPerMinute."},
                    "groups": {
                      "type": "object",
                      "description": "Per endpoint group, a limit that overrides the tenant's.",
                      "additionalProperties": false,
                      "properties": {
                        "submit": {"$ref": "#/components/schemas/%2$s"},
                        "query": {"$ref": "#/components/schemas/%2$s"},
                        "admin": {"$ref": "#/components/schemas/%2$s"}
                      }
                    }
                  }
                }
                """.formatted(quoted("A tenant's own rate limits; they replace whatever it had. Every field is optional "
                + "(`{}`: back to the configured limits), but a limit gives both numbers. Groups: `submit` (writes), "
                + "`query` (GET, HEAD), `admin` (keys, tenants, audit, workers)."), TENANT_LIMIT));
        WRITTEN.put(TENANT_LIMIT, """
                {
                  "type": "object",
                  "required": ["requestsPerMinute", "burst"],
                  "additionalProperties": false,
                  "properties": {
                    "requestsPerMinute": {"type": "integer", "minimum": 1, "maximum": 60000000},
                    "burst": {"type": "integer", "minimum": 1, "maximum": 10000000}
                  }
                }
                """);
    }

    private ComponentSchemas() {
    }

    /** {@code text} as a JSON string, for long descriptions kept out of the text blocks. */
    private static String quoted(String text) {
        return Json.mapper().writeValueAsString(text);
    }

    /** Whether {@code name} is one of these components. */
    static boolean defines(String name) {
        return name.equals(TASK_SUBMISSION_REQUEST) || name.equals(SCHEDULE_TASK) || WRITTEN.containsKey(name);
    }

    /** The component's JSON Schema text. */
    static String json(String name) {
        if (name.equals(TASK_SUBMISSION_REQUEST)) {
            return Json.mapper().writeValueAsString(taskSubmissionRequest());
        }
        if (name.equals(SCHEDULE_TASK)) {
            return Json.mapper().writeValueAsString(scheduleTask());
        }
        String json = WRITTEN.get(name);
        if (json == null) {
            throw new IllegalArgumentException("no component schema " + name);
        }
        return json;
    }

    /** The component as springdoc's model. */
    static Schema<?> schema(String name) {
        return parse(json(name));
    }

    /** The components {@code name}'s schema refers to, whoever defines them. */
    static Set<String> references(String name) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = COMPONENT_REF.matcher(json(name));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** A JSON Schema (OpenAPI 3.1) as springdoc's model. */
    static Schema<?> parse(String json) {
        try {
            return Json31.mapper().readValue(json, Schema.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not a schema: " + json, e);
        }
    }

    /** The REST body of {@code POST /tasks}, from the {@code task-submission/v1} schema. */
    static ObjectNode taskSubmissionRequest() {
        ObjectNode source = (ObjectNode) Json.mapper().readTree(resource(Document.TASK_SUBMISSION.schemaResource()));
        JsonNode defs = source.get("$defs");
        ObjectNode properties = Json.mapper().createObjectNode();
        for (Map.Entry<String, JsonNode> property : source.get("properties").properties()) {
            if (SERVER_FIELDS.contains(property.getKey())) {
                continue;
            }
            ObjectNode schema = (ObjectNode) inline(property.getValue(), defs);
            String doc = SUBMISSION_FIELD_DOCS.get(property.getKey());
            if (doc != null) {
                schema.put("description", doc);
            }
            properties.set(property.getKey(), schema);
        }
        ObjectNode request = Json.mapper().createObjectNode();
        request.put("type", "object");
        request.put("description", "A task to run. Only `type` and `payload` are required; unknown fields "
                + "(including the server's own: `id`, `tenantId`, `createdAt`, `scheduleId`) are refused with "
                + "`400 validation_failed`, and a `null` value counts as absent.");
        ArrayNode required = request.putArray("required");
        for (JsonNode name : source.get("required")) {
            if (!SERVER_FIELDS.contains(name.asString())) {
                required.add(name.asString());
            }
        }
        request.put("additionalProperties", false);
        request.set("not", source.get("not").deepCopy());
        request.set("properties", properties);
        return request;
    }

    /** A schedule's task: the fields of {@link #taskSubmissionRequest} that a template has. */
    static ObjectNode scheduleTask() {
        ObjectNode submission = taskSubmissionRequest();
        ObjectNode properties = Json.mapper().createObjectNode();
        for (Map.Entry<String, JsonNode> property : submission.get("properties").properties()) {
            if (ScheduleReader.TASK_FIELDS.contains(property.getKey())) {
                properties.set(property.getKey(), property.getValue());
            }
        }
        ObjectNode task = Json.mapper().createObjectNode();
        task.put("type", "object");
        task.put("description", "The task each fire time submits: the fields of a task submission that do not "
                + "belong to one task alone (no `runAt`, `delay`, `orderingKey`, `idempotencyKey`, `encrypt`), "
                + "checked by the same rules as `POST /tasks`. Its problems are named `task.<field>`.");
        task.set("required", submission.get("required").deepCopy());
        task.put("additionalProperties", false);
        task.set("properties", properties);
        return task;
    }

    /** {@code node} with every {@code $ref} to {@code #/$defs/...} replaced by the definition. */
    private static JsonNode inline(JsonNode node, JsonNode defs) {
        if (node.isArray()) {
            ArrayNode copy = Json.mapper().createArrayNode();
            node.forEach(item -> copy.add(inline(item, defs)));
            return copy;
        }
        if (!node.isObject()) {
            return node.deepCopy();
        }
        ObjectNode copy = Json.mapper().createObjectNode();
        JsonNode ref = node.get("$ref");
        if (ref != null && ref.asString().startsWith("#/$defs/")) {
            JsonNode definition = defs.get(ref.asString().substring("#/$defs/".length()));
            if (definition == null) {
                throw new IllegalStateException("task-submission.v1.json: unknown " + ref.asString());
            }
            copy.setAll((ObjectNode) inline(definition, defs));
        }
        for (Map.Entry<String, JsonNode> member : node.properties()) {
            if (!member.getKey().equals("$ref")) {
                copy.set(member.getKey(), inline(member.getValue(), defs));
            }
        }
        return copy;
    }

    private static byte[] resource(String name) {
        try (InputStream in = ComponentSchemas.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing on the class path: " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
