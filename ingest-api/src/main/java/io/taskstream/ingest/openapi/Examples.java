package io.taskstream.ingest.openapi;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Json;

/**
 * The example bodies of {@link ApiDocumentation}: one consistent story (a billing team's
 * {@code email.send} task), written as JSON and turned into plain maps and lists, which is what the
 * spec's serializer writes as is.
 */
final class Examples {

    static final String TASK_ID = "0193a5b2-7c1e-7d3f-8a4b-5c6d7e8f9a0b";
    static final String OTHER_TASK_ID = "0193a5b2-8e40-7a11-9c2d-3e4f5a6b7c8d";
    static final String WORKER_ID = "worker-7f3a";

    static final Map<String, Object> SUBMISSION_MINIMAL = json("""
            {"type": "email.send", "payload": {"to": "a@example.com"}}
            """);

    static final Map<String, Object> SUBMISSION_FULL = json("""
            {
              "type": "email.send",
              "payload": {"to": "a@example.com", "template": "order-confirmation"},
              "priority": "HIGH",
              "delay": "PT30S",
              "maxAttempts": 4,
              "timeout": "PT5M",
              "backoff": {"initial": "PT1S", "multiplier": 2.0, "max": "PT5M", "jitter": 0.2},
              "orderingKey": "customer-42",
              "idempotencyKey": "order-42-confirmation",
              "labels": {"team": "billing"},
              "encrypt": false
            }
            """);

    /** A task just accepted: what its read-your-writes row holds. */
    static final Map<String, Object> TASK_PENDING = json("""
            {
              "id": "%s",
              "tenantId": "default",
              "type": "email.send",
              "priority": "NORMAL",
              "status": "PENDING",
              "attempts": 0,
              "maxAttempts": 4,
              "runAt": "2026-11-28T10:00:00.123Z",
              "createdAt": "2026-11-28T10:00:00.123Z",
              "updatedAt": "2026-11-28T10:00:00.123Z",
              "startedAt": null,
              "finishedAt": null,
              "result": null,
              "lastError": null,
              "labels": {"team": "billing"},
              "orderingKey": "customer-42",
              "scheduleId": null,
              "traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
              "progress": null
            }
            """.formatted(TASK_ID));

    static final Map<String, Object> TASK_QUEUED = with(TASK_PENDING, "status", "QUEUED",
            "updatedAt", "2026-11-28T10:00:00.456Z");

    static final Map<String, Object> TASK_COMPLETED = with(TASK_PENDING, "status", "COMPLETED", "attempts", 1,
            "updatedAt", "2026-11-28T10:00:01.912Z", "startedAt", "2026-11-28T10:00:00.611Z",
            "finishedAt", "2026-11-28T10:00:01.912Z", "result", json("{\"messageId\": \"msg-5521\"}"));

    static final Map<String, Object> TASK_FAILED = with(TASK_PENDING, "status", "FAILED", "attempts", 4,
            "updatedAt", "2026-11-28T10:00:16.250Z", "startedAt", "2026-11-28T10:00:00.611Z",
            "finishedAt", "2026-11-28T10:00:16.250Z",
            "lastError", json("""
                    {"code": "smtp_unavailable", "message": "connection refused", "retryable": true}
                    """));

    static final Map<String, Object> EXECUTION = json("""
            {
              "attempt": 1,
              "workerId": "%s",
              "startedAt": "2026-11-28T10:00:00.611Z",
              "finishedAt": "2026-11-28T10:00:01.912Z",
              "outcome": "FAILED",
              "error": {"code": "smtp_unavailable", "message": "connection refused", "retryable": true},
              "durationMs": 1301
            }
            """.formatted(WORKER_ID));

    static final Map<String, Object> DEAD_LETTER = with(TASK_FAILED,
            "deadLetteredAt", "2026-11-28T10:00:16.301Z", "reason", "attempts_exhausted");

    static final Map<String, Object> DEAD_LETTER_DETAIL = with(DEAD_LETTER,
            "detail", "attempt 4 of 4 failed: connection refused",
            "executions", List.of(EXECUTION, with(EXECUTION, "attempt", 2, "durationMs", 1288)));

    static final Map<String, Object> WORKER = json("""
            {
              "id": "%s",
              "host": "worker-1.internal",
              "groupId": "taskstream-workers",
              "status": "HEALTHY",
              "reasons": [],
              "version": "0.1.0",
              "priorities": ["CRITICAL", "HIGH", "NORMAL", "LOW"],
              "slots": {"busy": 3, "total": 16},
              "consumer": "running",
              "startedAt": "2026-11-28T08:00:00Z",
              "lastHeartbeatAt": "2026-11-28T10:00:00Z",
              "heartbeatInterval": "PT5S",
              "lastInterval": {"completed": 41, "failed": 1, "timedOut": 0, "cancelled": 0},
              "stuckSlots": 0,
              "restarts": 0
            }
            """.formatted(WORKER_ID));

    static final Map<String, Object> KEY_REQUEST = json("""
            {"name": "billing-service", "scopes": ["task:create", "task:read"], "expiresAt": "2027-11-28T00:00:00Z"}
            """);

    static final Map<String, Object> KEY = json("""
            {
              "id": "0193a5b2-7c1d-7e3f-9a4b-5c6d7e8f9a0b",
              "name": "billing-service",
              "tenantId": "acme",
              "scopes": ["task:create", "task:read"],
              "prefix": "k3v9q2m8x1ab",
              "createdAt": "2026-11-28T10:00:00.123Z",
              "expiresAt": "2027-11-28T00:00:00Z",
              "revokedAt": null,
              "status": "ACTIVE"
            }
            """);

    static final Map<String, Object> KEY_MINTED = with(KEY, "secret",
            "ts_k3v9q2m8x1ab_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbNm12");

    static final Map<String, Object> KEY_ROTATED = with(KEY_MINTED, "secret",
            "ts_k3v9q2m8x1ab_Pq7Wr5Ty3Ui1Op9As7Df5Gh3Jk1Lz9Xc7Vb5Nm3Qa", "previousSecretExpiresAt",
            "2026-11-28T11:00:00.123Z");

    static final Map<String, Object> TENANT_LIMITS_REQUEST = json("""
            {"requestsPerMinute": 12000, "burst": 2000,
             "groups": {"submit": {"requestsPerMinute": 6000, "burst": 500}}}
            """);

    static final Map<String, Object> TENANT_LIMITS = json("""
            {
              "tenantId": "acme",
              "requestsPerMinute": 12000,
              "burst": 2000,
              "groups": {"submit": {"requestsPerMinute": 6000, "burst": 500}},
              "effective": {
                "submit": {"requestsPerMinute": 6000, "burst": 500},
                "query": {"requestsPerMinute": 12000, "burst": 2000},
                "admin": {"requestsPerMinute": 12000, "burst": 2000}
              },
              "updatedAt": "2026-11-28T10:00:00Z"
            }
            """);

    static final Map<String, Object> AUDIT_ENTRY = json("""
            {
              "id": 4711,
              "chainSeq": 4702,
              "occurredAt": "2026-11-28T10:00:00.123456Z",
              "tenantId": "acme",
              "actor": "0193a5b2-7c3e-7d4f-9a1b-2c3d4e5f6a7c",
              "actorTenantId": "acme",
              "action": "schedule.delete",
              "resourceType": "schedule",
              "resourceId": "0193a5b2-7c3e-7d4f-9a1b-2c3d4e5f6a7b",
              "detail": {"name": "nightly-report"},
              "traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
              "ip": "203.0.113.7",
              "userAgent": "curl/8.5.0",
              "status": 204,
              "outcome": "ok",
              "rowHash": "9f2c4b1e0d3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e"
            }
            """);

    static final Map<String, Object> AUDIT_BROKEN = json("""
            {
              "valid": false,
              "rowsChecked": 4700,
              "headSeq": 4702,
              "headHash": "9f2c4b1e0d3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e",
              "firstBrokenSeq": 4701,
              "reason": "row 4701 is missing (deleted): chain_seq goes from 4700 to 4702"
            }
            """);

    static final Map<String, Object> STATS = json("""
            {
              "tenantId": "default",
              "generatedAt": "2026-11-28T10:00:01Z",
              "countsByStatus": {"PENDING": 2, "SCHEDULED": 14, "QUEUED": 120, "PROCESSING": 16,
                                 "RETRY_SCHEDULED": 3, "COMPLETED": 48210, "FAILED": 12, "CANCELLED": 4},
              "queueDepth": {"CRITICAL": 0, "HIGH": 4, "NORMAL": 116, "LOW": 0},
              "queueDepthObservedAt": "2026-11-28T10:00:00.500Z",
              "perMinute": [
                {"minute": "2026-11-28T09:59:00Z", "completed": 412, "failed": 3},
                {"minute": "2026-11-28T10:00:00Z", "completed": 7, "failed": 0}
              ]
            }
            """);

    static final String SCHEDULE_ID = "0193a2f0-5b1c-7e2d-8f3a-4b5c6d7e8f90";

    static final Map<String, Object> SCHEDULE_REQUEST = json("""
            {
              "name": "nightly-report",
              "cron": "0 2 * * *",
              "timezone": "Europe/Berlin",
              "task": {"type": "report.generate", "payload": {"ms": 500}, "priority": "LOW",
                       "labels": {"team": "billing"}},
              "enabled": true,
              "misfirePolicy": "FIRE_ONCE",
              "overlap": "SKIP_IF_RUNNING"
            }
            """);

    static final Map<String, Object> SCHEDULE_REQUEST_MINIMAL = json("""
            {"name": "hourly-digest", "cron": "0 * * * *", "task": {"type": "email.send", "payload": {}}}
            """);

    /** The schedule of {@link #SCHEDULE_REQUEST} some days after it was created, having fired last night. */
    static final Map<String, Object> SCHEDULE = json("""
            {
              "id": "%s",
              "tenantId": "default",
              "name": "nightly-report",
              "cron": "0 2 * * *",
              "timezone": "Europe/Berlin",
              "task": {"type": "report.generate", "payload": {"ms": 500}, "priority": "LOW", "maxAttempts": 4,
                       "timeout": "PT5M", "backoff": null, "labels": {"team": "billing"}},
              "enabled": true,
              "misfirePolicy": "FIRE_ONCE",
              "overlap": "SKIP_IF_RUNNING",
              "description": "at 02:00",
              "nextRuns": ["2026-11-29T02:00:00+01:00", "2026-11-30T02:00:00+01:00", "2026-12-01T02:00:00+01:00",
                           "2026-12-02T02:00:00+01:00", "2026-12-03T02:00:00+01:00"],
              "lastRunAt": "2026-11-28T01:00:00Z",
              "lastTaskId": "%s",
              "createdAt": "2026-11-20T09:00:00.000Z",
              "updatedAt": "2026-11-20T09:00:00.000Z"
            }
            """.formatted(SCHEDULE_ID, OTHER_TASK_ID));

    /** Just created: no run yet. */
    static final Map<String, Object> SCHEDULE_CREATED = with(SCHEDULE, "lastRunAt", null, "lastTaskId", null,
            "createdAt", "2026-11-28T10:00:00.123Z", "updatedAt", "2026-11-28T10:00:00.123Z");

    /** Switched off: no fire times. */
    static final Map<String, Object> SCHEDULE_DISABLED = with(SCHEDULE, "enabled", false, "nextRuns", List.of(),
            "updatedAt", "2026-11-28T10:00:00.123Z");

    /** Just triggered: the new task is its last run. */
    static final Map<String, Object> SCHEDULE_TRIGGERED = with(SCHEDULE, "lastRunAt", "2026-11-28T10:00:00.123Z",
            "lastTaskId", TASK_ID);

    /** What each contract code's example problem says. */
    private static final Map<ErrorCode, String> DETAILS = new EnumMap<>(Map.ofEntries(
            Map.entry(ErrorCode.VALIDATION_FAILED, "the request is invalid (2 errors)"),
            Map.entry(ErrorCode.MALFORMED_REQUEST, "the request body is not valid JSON: Unexpected end-of-input"),
            Map.entry(ErrorCode.UNAUTHENTICATED,
                    "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"),
            Map.entry(ErrorCode.FORBIDDEN, "the API key lacks the scope task:create"),
            Map.entry(ErrorCode.NOT_FOUND, "no task " + TASK_ID),
            Map.entry(ErrorCode.CONFLICT, "task " + TASK_ID
                    + " is COMPLETED; only a task that has not finished can be cancelled"),
            Map.entry(ErrorCode.IDEMPOTENCY_CONFLICT, "the idempotency key 'order-42-confirmation' was used for a "
                    + "different request (task " + TASK_ID + ")"),
            Map.entry(ErrorCode.PAYLOAD_TOO_LARGE, "the payload is 300112 bytes serialized; at most 262144 are accepted"),
            Map.entry(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type 'application/x-www-form-urlencoded' is not supported."),
            Map.entry(ErrorCode.RATE_LIMITED, "the tenant's request rate limit is exhausted; retry after Retry-After"),
            Map.entry(ErrorCode.QUEUE_FULL, "the NORMAL queue is full; retry after Retry-After"),
            Map.entry(ErrorCode.DEPENDENCY_UNAVAILABLE, "Kafka did not acknowledge the task in time; retry later "
                    + "(with an Idempotency-Key, a retry cannot create the task twice)")));

    private Examples() {
    }

    /** The example problem of a code, as the API writes it ({@code errors} only for validation). */
    static Map<String, Object> problem(ErrorCode code) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", code.type().toString());
        problem.put("title", code.title());
        problem.put("status", code.status().value());
        problem.put("detail", DETAILS.getOrDefault(code, code.title()));
        problem.put("code", code.code());
        if (code == ErrorCode.VALIDATION_FAILED) {
            problem.put("errors", json("""
                    {"errors": [
                      {"field": "type", "message": "does not match the regex pattern ^[a-z0-9][a-z0-9._-]{0,99}$"},
                      {"field": "colour", "message": "unknown field"}
                    ]}
                    """).get("errors"));
        }
        return problem;
    }

    /** One page of a list: {@code {"items": [...], "nextCursor": ...}}. */
    static Map<String, Object> page(String nextCursor, Object... items) {
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("items", List.of(items));
        page.put("nextCursor", nextCursor);
        return page;
    }

    /** A JSON object as plain maps, lists, strings, numbers, booleans and nulls. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String text) {
        return Json.mapper().readValue(text, LinkedHashMap.class);
    }

    /** A copy of {@code base} with some members replaced or added ({@code name, value, name, value …}). */
    static Map<String, Object> with(Map<String, Object> base, Object... members) {
        Map<String, Object> copy = new LinkedHashMap<>(base);
        for (int i = 0; i < members.length; i += 2) {
            copy.put((String) members[i], members[i + 1]);
        }
        return copy;
    }
}
