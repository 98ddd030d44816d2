package io.taskstream.ingest.openapi;

import static io.swagger.v3.oas.models.PathItem.HttpMethod.DELETE;
import static io.swagger.v3.oas.models.PathItem.HttpMethod.GET;
import static io.swagger.v3.oas.models.PathItem.HttpMethod.PATCH;
import static io.swagger.v3.oas.models.PathItem.HttpMethod.POST;
import static io.swagger.v3.oas.models.PathItem.HttpMethod.PUT;
import static io.taskstream.ingest.errors.ErrorCode.CONFLICT;
import static io.taskstream.ingest.errors.ErrorCode.DEPENDENCY_UNAVAILABLE;
import static io.taskstream.ingest.errors.ErrorCode.FORBIDDEN;
import static io.taskstream.ingest.errors.ErrorCode.IDEMPOTENCY_CONFLICT;
import static io.taskstream.ingest.errors.ErrorCode.MALFORMED_REQUEST;
import static io.taskstream.ingest.errors.ErrorCode.NOT_FOUND;
import static io.taskstream.ingest.errors.ErrorCode.PAYLOAD_TOO_LARGE;
import static io.taskstream.ingest.errors.ErrorCode.QUEUE_FULL;
import static io.taskstream.ingest.errors.ErrorCode.RATE_LIMITED;
import static io.taskstream.ingest.errors.ErrorCode.UNAUTHENTICATED;
import static io.taskstream.ingest.errors.ErrorCode.UNSUPPORTED_MEDIA_TYPE;
import static io.taskstream.ingest.errors.ErrorCode.VALIDATION_FAILED;
import static io.taskstream.ingest.openapi.Examples.DEAD_LETTER;
import static io.taskstream.ingest.openapi.Examples.DEAD_LETTER_DETAIL;
import static io.taskstream.ingest.openapi.Examples.EXECUTION;
import static io.taskstream.ingest.openapi.Examples.OTHER_TASK_ID;
import static io.taskstream.ingest.openapi.Examples.SCHEDULE;
import static io.taskstream.ingest.openapi.Examples.SCHEDULE_CREATED;
import static io.taskstream.ingest.openapi.Examples.SCHEDULE_DISABLED;
import static io.taskstream.ingest.openapi.Examples.SCHEDULE_REQUEST;
import static io.taskstream.ingest.openapi.Examples.SCHEDULE_REQUEST_MINIMAL;
import static io.taskstream.ingest.openapi.Examples.SCHEDULE_TRIGGERED;
import static io.taskstream.ingest.openapi.Examples.TASK_COMPLETED;
import static io.taskstream.ingest.openapi.Examples.TASK_FAILED;
import static io.taskstream.ingest.openapi.Examples.TASK_ID;
import static io.taskstream.ingest.openapi.Examples.TASK_PENDING;
import static io.taskstream.ingest.openapi.Examples.TASK_QUEUED;
import static io.taskstream.ingest.openapi.Examples.json;
import static io.taskstream.ingest.openapi.Examples.page;
import static io.taskstream.ingest.openapi.Examples.with;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springdoc.core.customizers.OpenApiCustomizer;

import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.tags.Tag;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskStatus;

/**
 * The documentation of every {@code /api/v1} operation, in one place: a table keyed by method and path
 * ({@link #OPERATIONS}) that gives each operation its id, tag, summary, description, parameters, request
 * body, success answers with an example, and the problems it can answer by stable code.
 *
 * <p>How it works: springdoc builds the spec from the controllers (paths, parameters it can see, and the
 * response schemas from the Java records: {@code TaskView}, {@code Page<…>} …). This customizer then
 * walks the generated operations and, for each one the table knows, replaces what springdoc guessed:
 * <ul>
 *   <li>request bodies, which springdoc cannot see (the controllers read raw bytes to bound their size),
 *       become {@link ComponentSchemas} components with examples;</li>
 *   <li>responses are rebuilt: the success statuses of the table (springdoc says {@code 200} for all)
 *       with the generated schema and an example, and one {@code application/problem+json} answer per
 *       error status, referencing the shared {@code Problem} schema and one example per code
 *       ({@code #/components/examples/<code>});</li>
 *   <li>every operation needs an API key ({@value #BEARER} or {@value #API_KEY}).</li>
 * </ul>
 * An entry applies only when its operation exists, so endpoints can be documented before they land
 * ({@code POST /tasks:batch}, {@code GET /tasks}, {@code GET /stats}); an operation the table does not
 * know is left as springdoc made it and logged. {@code OpenApiIT} fails on such an operation (no summary,
 * no example, no error), and when {@code docs/openapi.json} differs from the generated spec.
 *
 * <p>Why a table rather than annotations on the controllers: the documentation of the whole API reads in
 * one file, the error answers are uniform by construction, and the controllers stay about behaviour.
 */
public final class ApiDocumentation implements OpenApiCustomizer {

    private static final Logger log = LoggerFactory.getLogger(ApiDocumentation.class);

    /** Security scheme names: {@code Authorization: Bearer <key>} or {@code X-API-Key: <key>}. */
    public static final String BEARER = "bearerAuth";
    public static final String API_KEY = "apiKeyHeader";

    static final String JSON = "application/json";
    static final String PROBLEM_JSON = "application/problem+json";
    static final String MERGE_PATCH_JSON = "application/merge-patch+json";

    static final String TASKS = "Tasks";
    static final String DLQ = "Dead-letter queue";
    static final String SCHEDULES = "Schedules";
    static final String WORKERS = "Workers";
    static final String KEYS = "API keys";
    static final String TENANTS = "Tenants";
    static final String AUDIT = "Audit log";
    static final String OPERATIONS_TAG = "Operations";

    /** The tags in the order Swagger UI shows them. */
    static final Map<String, String> TAGS = orderedMap(
            TASKS, "Submit tasks, read them and their attempts, cancel and re-prioritise them.",
            DLQ, "Tasks that failed for good: list, inspect, replay, purge.",
            SCHEDULES, "Cron schedules that submit tasks: define, list, change, switch off, delete, fire now.",
            WORKERS, "The workers of the deployment, from their heartbeats (scope `admin`).",
            KEYS, "Mint, list, revoke and rotate the tenant's API keys (scope `key:admin`).",
            TENANTS, "Tenants' rate limits (scope `admin`).",
            AUDIT, "Who changed what, when, from where, and how it ended; a hash chain that shows tampering.",
            OPERATIONS_TAG, "Numbers about the queues.");

    /** What any {@code /api/v1} operation can answer: no key, no scope, too many requests, a dependency down. */
    static final Set<ErrorCode> COMMON = Collections.unmodifiableSet(
            EnumSet.of(UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED, DEPENDENCY_UNAVAILABLE));

    /** What an operation with a JSON body can answer besides. */
    static final Set<ErrorCode> BODY = Collections.unmodifiableSet(
            EnumSet.of(VALIDATION_FAILED, MALFORMED_REQUEST, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE));

    /** When each code is answered; the description of its example and of the answers that carry it. */
    static final Map<ErrorCode, String> MEANINGS = Map.ofEntries(
            Map.entry(VALIDATION_FAILED, "the request breaks a rule; `errors` names each field"),
            Map.entry(MALFORMED_REQUEST, "the body is not a JSON document (empty, cut off, duplicate keys …)"),
            Map.entry(UNAUTHENTICATED, "no API key, or not a valid one"),
            Map.entry(FORBIDDEN, "the API key lacks the operation's scope"),
            Map.entry(NOT_FOUND, "no such resource in the caller's tenant (another tenant's is `404` too)"),
            Map.entry(CONFLICT, "the resource's state does not allow the request"),
            Map.entry(IDEMPOTENCY_CONFLICT, "the idempotency key was used for a different request"),
            Map.entry(PAYLOAD_TOO_LARGE, "the body, or the task's payload, is over its limit"),
            Map.entry(UNSUPPORTED_MEDIA_TYPE, "the `Content-Type` is not one the operation accepts"),
            Map.entry(RATE_LIMITED, "the tenant's request rate is over its limit; retry after `Retry-After`"),
            Map.entry(QUEUE_FULL, "the priority's queue is over its depth limit; retry after `Retry-After`"),
            Map.entry(DEPENDENCY_UNAVAILABLE,
                    "Kafka, PostgreSQL or Redis did not answer in time; retry after `Retry-After`"));

    private static final String TRACEPARENT = "A W3C trace context; forwarded to the scheduler with the request.";
    private static final String TASK_ID_PARAM = "The task id (a UUID); anything else is `404`.";
    private static final String SCHEDULE_ID_PARAM = "The schedule id (a UUID); anything else is `404`.";
    private static final String KEY_ID_PARAM = "The key's id (a UUID, not its prefix); another tenant's is `404`.";
    private static final String CURSOR = "The previous page's `nextCursor`; absent for the first page.";
    private static final String STATUSES = names(TaskStatus.values());
    private static final String PRIORITIES = names(Priority.values());
    private static final String LIST_CURSOR = "djF8MjAyNi0xMS0yOFQxMDowMDowMC4xMjNafDAxOTNhNWIy";

    /** The table: every operation of the API, and those about to land. */
    static final List<OperationDoc> OPERATIONS = List.of(
            OperationDoc.operation(POST, "/api/v1/tasks", "submitTask", TASKS)
                    .summary("Submit a task")
                    .description("""
                            Checks the task against the rules the scheduler applies to every submission, \
                            writes it to Kafka and answers `202` only once Kafka has acknowledged it \
                            (`acks=all`): accepted means durable. A `GET` right after finds the task. The same \
                            idempotency key with the same request again answers `200` with the original task; \
                            with a different request `409 idempotency_conflict`. Scope `task:create`.""")
                    .header("Idempotency-Key", "Equivalent to the `idempotencyKey` field; given both, they must "
                            + "be equal (else `400`).")
                    .header("traceparent", "A W3C trace context; forwarded on the Kafka record, its trace id "
                            + "kept as the task's `traceId`.")
                    .body(ComponentSchemas.TASK_SUBMISSION_REQUEST, List.of(JSON), orderedMap(
                            "only the required fields", Examples.SUBMISSION_MINIMAL,
                            "every field", Examples.SUBMISSION_FULL))
                    .success(202, "Accepted: Kafka has the task. `Location` is its URL.", TASK_PENDING, Headers.LOCATION)
                    .success(200, "An idempotent repeat: the task of the earlier request with this key.",
                            TASK_QUEUED, Headers.LOCATION)
                    .errors(COMMON, VALIDATION_FAILED, MALFORMED_REQUEST, IDEMPOTENCY_CONFLICT, PAYLOAD_TOO_LARGE,
                            UNSUPPORTED_MEDIA_TYPE, QUEUE_FULL)
                    .build(),
            OperationDoc.operation(POST, "/api/v1/tasks:batch", "submitTasks", TASKS)
                    .summary("Submit up to 1,000 tasks at once")
                    .description("""
                            Each item is handled as `POST /tasks` handles one, in order, and answered by its \
                            own result: `{"index", "status", "task" | "error"}`. One bad item never rejects the \
                            others; more than 1,000 items is `400 validation_failed`. An item's idempotency key \
                            works as for a single task. Scope `task:create`.""")
                    .header("traceparent", TRACEPARENT)
                    .body(ComponentSchemas.TASK_BATCH_REQUEST, List.of(JSON), orderedMap(
                            "two tasks", Map.of("tasks", List.of(Examples.SUBMISSION_MINIMAL, Examples.SUBMISSION_FULL))))
                    .successAs(ComponentSchemas.TASK_BATCH_RESPONSE, 200, "One result per item, in request order.",
                            Map.of("results", List.of(
                                    orderedMap("index", 0, "status", 202, "task", TASK_PENDING),
                                    orderedMap("index", 1, "status", 400,
                                            "error", Examples.problem(VALIDATION_FAILED)))))
                    .errors(COMMON, BODY.toArray(ErrorCode[]::new))
                    .build(),
            OperationDoc.operation(GET, "/api/v1/tasks", "listTasks", TASKS)
                    .summary("List tasks")
                    .description("""
                            The tenant's tasks, newest first, filtered. Keyset pagination: pass `nextCursor` \
                            back as `cursor` until it is null. Scope `task:read`.""")
                    .query("status", "Only tasks in this status.", "{\"type\": \"string\", \"enum\": " + STATUSES + "}")
                    .query("type", "Only tasks of this type.", "{\"type\": \"string\"}")
                    .query("priority", "Only tasks of this priority.",
                            "{\"type\": \"string\", \"enum\": " + PRIORITIES + "}")
                    .query("label", "Only tasks with this label, as `key:value`.", "{\"type\": \"string\"}")
                    .query("createdAfter", "Only tasks created after this instant (ISO-8601).",
                            "{\"type\": \"string\", \"format\": \"date-time\"}")
                    .query("createdBefore", "Only tasks created before this instant (ISO-8601).",
                            "{\"type\": \"string\", \"format\": \"date-time\"}")
                    .query("scheduleId", "Only tasks this schedule submitted (its fire times and triggers).",
                            "{\"type\": \"string\", \"format\": \"uuid\"}")
                    .pageQueries(CURSOR)
                    .success(200, "One page of tasks, newest first.", page(LIST_CURSOR,
                            with(TASK_QUEUED, "id", OTHER_TASK_ID), TASK_COMPLETED))
                    .errors(COMMON, VALIDATION_FAILED)
                    .build(),
            OperationDoc.operation(GET, "/api/v1/tasks/{id}", "getTask", TASKS)
                    .summary("Get a task")
                    .description("""
                            The task view, read from PostgreSQL and confined to the caller's tenant. \
                            `?include=payload` adds the payload. Scope `task:read`.""")
                    .pathParam("id", TASK_ID_PARAM)
                    .query("include", "`payload` adds the task's payload.",
                            "{\"type\": \"string\", \"enum\": [\"payload\"]}")
                    .success(200, "The task (here with `?include=payload`).",
                            with(TASK_COMPLETED, "payload", json("{\"to\": \"a@example.com\"}")))
                    .errors(COMMON, VALIDATION_FAILED, NOT_FOUND)
                    .build(),
            OperationDoc.operation(GET, "/api/v1/tasks/{id}/executions", "listTaskExecutions", TASKS)
                    .summary("List a task's attempts")
                    .description("Every attempt of the task, oldest first; never paginated (`nextCursor` is "
                            + "null). `outcome`, `finishedAt` and `durationMs` are null while an attempt runs. "
                            + "Scope `task:read`.")
                    .pathParam("id", TASK_ID_PARAM)
                    .success(200, "The attempts, oldest first.", page(null, EXECUTION,
                            with(EXECUTION, "attempt", 2, "startedAt", "2026-11-28T10:00:03.020Z",
                                    "finishedAt", "2026-11-28T10:00:03.431Z", "outcome", "COMPLETED",
                                    "error", null, "durationMs", 411)))
                    .errors(COMMON, NOT_FOUND)
                    .build(),
            OperationDoc.operation(DELETE, "/api/v1/tasks/{id}", "cancelTask", TASKS)
                    .summary("Cancel a task")
                    .description("""
                            Sets the task's cancel flag in Redis (workers check it before an attempt, and a \
                            running handler sees it) and sends `CANCEL` to the scheduler; `202` means both are \
                            in place. The answer is the task as the view shows it now: it becomes `CANCELLED` \
                            when the scheduler's event comes back. A `PROCESSING` task is cancelled \
                            cooperatively. Safe to repeat. Scope `task:cancel`.""")
                    .pathParam("id", TASK_ID_PARAM)
                    .header("traceparent", TRACEPARENT)
                    .success(202, "Cancel requested; the task as it is now.", TASK_QUEUED)
                    .errors(COMMON, NOT_FOUND, CONFLICT)
                    .build(),
            OperationDoc.operation(PATCH, "/api/v1/tasks/{id}", "reprioritizeTask", TASKS)
                    .summary("Re-prioritise a task")
                    .description("""
                            Moves a task that is not yet `PROCESSING` to another priority (`REPRIORITIZE` to the \
                            scheduler). The answer is the task as the view shows it now, possibly still with \
                            its old priority. Scope `task:create`.""")
                    .pathParam("id", TASK_ID_PARAM)
                    .header("traceparent", TRACEPARENT)
                    .body(ComponentSchemas.TASK_PATCH_REQUEST, List.of(JSON, MERGE_PATCH_JSON),
                            orderedMap("move up", Map.of("priority", "HIGH")))
                    .success(202, "Re-prioritisation requested; the task as it is now.", TASK_QUEUED)
                    .errors(COMMON, VALIDATION_FAILED, MALFORMED_REQUEST, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE,
                            NOT_FOUND, CONFLICT)
                    .build(),
            OperationDoc.operation(GET, "/api/v1/dlq", "listDeadLetters", DLQ)
                    .summary("List the dead-letter queue")
                    .description("The tenant's dead-lettered tasks, newest first: the task view plus "
                            + "`deadLetteredAt` and `reason` (`attempts_exhausted`, `non_retryable`, "
                            + "`invalid_record` …). Scope `dlq:read`.")
                    .query("type", "Only tasks of this type.", "{\"type\": \"string\"}")
                    .pageQueries(CURSOR)
                    .success(200, "One page of the queue, newest first.", page(LIST_CURSOR, DEAD_LETTER))
                    .errors(COMMON, VALIDATION_FAILED)
                    .build(),
            OperationDoc.operation(GET, "/api/v1/dlq/{taskId}", "getDeadLetter", DLQ)
                    .summary("Get a dead-lettered task")
                    .description("The listing's fields, the dead letter's `detail` and every attempt "
                            + "(`executions`, oldest first). Scope `dlq:read`.")
                    .pathParam("taskId", TASK_ID_PARAM + " `404` too when the task is not in the queue.")
                    .success(200, "The dead-lettered task with its attempts.", DEAD_LETTER_DETAIL)
                    .errors(COMMON, NOT_FOUND)
                    .build(),
            OperationDoc.operation(POST, "/api/v1/dlq/{taskId}:replay", "replayDeadLetter", DLQ)
                    .summary("Replay a dead-lettered task")
                    .description("""
                            Sends the task back to the scheduler (`REPLAY`): same id, attempts reset, back to \
                            `QUEUED`. It leaves the queue at once; the answer shows it still `FAILED` until the \
                            scheduler's event arrives. A task dead-lettered as `invalid_record` has nothing valid \
                            to run: `409`. Scope `dlq:write`.""")
                    .pathParam("taskId", TASK_ID_PARAM)
                    .header("traceparent", TRACEPARENT)
                    .success(202, "Replay requested; the task as it is now.", TASK_FAILED)
                    .errors(COMMON, NOT_FOUND, CONFLICT)
                    .build(),
            OperationDoc.operation(POST, "/api/v1/dlq:replay", "replayDeadLetters", DLQ)
                    .summary("Replay many dead-lettered tasks")
                    .description("Replays the oldest matching tasks of the queue (`invalid_record` ones "
                            + "excepted). A body is required, at least `{}`. Scope `dlq:write`.")
                    .body(ComponentSchemas.BULK_REPLAY_REQUEST, List.of(JSON), orderedMap(
                            "by type and age", orderedMap("type", "email.send",
                                    "failedBefore", "2026-12-01T00:00:00Z", "limit", 100),
                            "the oldest 1,000", Map.of()))
                    .success(200, "How many tasks were replayed, and which.",
                            orderedMap("replayed", 2, "taskIds", List.of(TASK_ID, OTHER_TASK_ID)))
                    .errors(COMMON, BODY.toArray(ErrorCode[]::new))
                    .build(),
            OperationDoc.operation(DELETE, "/api/v1/dlq/{taskId}", "purgeDeadLetter", DLQ)
                    .summary("Purge a task from the dead-letter queue")
                    .description("Removes the task from the listing; it stays `FAILED`, and the scheduler is "
                            + "not told. Scope `dlq:write`.")
                    .pathParam("taskId", TASK_ID_PARAM)
                    .noContent("Purged.")
                    .errors(COMMON, NOT_FOUND)
                    .build(),
            OperationDoc.operation(POST, "/api/v1/schedules", "createSchedule", SCHEDULES)
                    .summary("Create a schedule")
                    .description("""
                            Every fire time of `cron` in `timezone` will submit one task made from `task`; a fired \
                            task carries the schedule's id as `scheduleId` and its fire time as `runAt`. The \
                            task is checked by the rules of `POST /tasks` (its problems are named \
                            `task.<field>`); an expression that fires more often than once a minute \
                            (configurable) is refused. The schedule is in PostgreSQL and, acknowledged by Kafka, \
                            on the `schedules` topic before the answer. `nextRuns` are the next five fire times \
                            with the zone's offset (none while disabled). A name already used in the tenant is \
                            `409`. Scope `schedule:write`.""")
                    .header("traceparent", TRACEPARENT)
                    .body(ComponentSchemas.SCHEDULE_REQUEST, List.of(JSON), orderedMap(
                            "nightly, in Berlin", SCHEDULE_REQUEST,
                            "only the required fields", SCHEDULE_REQUEST_MINIMAL))
                    .success(201, "Created. `Location` is its URL.", SCHEDULE_CREATED, Headers.LOCATION)
                    .errors(COMMON, VALIDATION_FAILED, MALFORMED_REQUEST, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE,
                            CONFLICT)
                    .build(),
            OperationDoc.operation(GET, "/api/v1/schedules", "listSchedules", SCHEDULES)
                    .summary("List schedules")
                    .description("The tenant's schedules, newest first. Keyset pagination: pass `nextCursor` back "
                            + "as `cursor` until it is null. Scope `schedule:read`.")
                    .pageQueries(CURSOR)
                    .success(200, "One page of schedules, newest first.", page(LIST_CURSOR, SCHEDULE))
                    .errors(COMMON, VALIDATION_FAILED)
                    .build(),
            OperationDoc.operation(GET, "/api/v1/schedules/{id}", "getSchedule", SCHEDULES)
                    .summary("Get a schedule")
                    .description("""
                            The schedule, with its last run: `lastTaskId` is its newest task (by `createdAt`) \
                            and `lastRunAt` that task's `createdAt`: when it was fired or triggered. \
                            `?from=` previews the fire times after any instant. Scope `schedule:read`.""")
                    .pathParam("id", SCHEDULE_ID_PARAM)
                    .query("from", "Compute `nextRuns` after this instant (ISO-8601) instead of now.",
                            "{\"type\": \"string\", \"format\": \"date-time\"}")
                    .success(200, "The schedule.", SCHEDULE)
                    .errors(COMMON, VALIDATION_FAILED, NOT_FOUND)
                    .build(),
            OperationDoc.operation(PUT, "/api/v1/schedules/{id}", "replaceSchedule", SCHEDULES)
                    .summary("Replace a schedule")
                    .description("""
                            Replaces the whole definition (the body of `POST /schedules`; absent optional fields \
                            take their defaults), in PostgreSQL and on the `schedules` topic; the scheduler fires \
                            by the new one from then on. `409` when the new name is another schedule's, or when \
                            the schedule kept changing under concurrent writes. Scope `schedule:write`.""")
                    .pathParam("id", SCHEDULE_ID_PARAM)
                    .header("traceparent", TRACEPARENT)
                    .body(ComponentSchemas.SCHEDULE_REQUEST, List.of(JSON), orderedMap(
                            "move it to 03:30", with(SCHEDULE_REQUEST, "cron", "30 3 * * *")))
                    .success(200, "The schedule as it is now.", with(SCHEDULE, "cron", "30 3 * * *",
                            "description", "at 03:30", "nextRuns", List.of("2026-11-29T03:30:00+01:00",
                                    "2026-11-30T03:30:00+01:00", "2026-12-01T03:30:00+01:00",
                                    "2026-12-02T03:30:00+01:00", "2026-12-03T03:30:00+01:00"),
                            "updatedAt", "2026-11-28T10:00:00.123Z"))
                    .errors(COMMON, VALIDATION_FAILED, MALFORMED_REQUEST, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE,
                            NOT_FOUND, CONFLICT)
                    .build(),
            OperationDoc.operation(PATCH, "/api/v1/schedules/{id}", "setScheduleEnabled", SCHEDULES)
                    .summary("Switch a schedule on or off")
                    .description("""
                            `{"enabled": false}` stops the schedule from firing (its `nextRuns` are then empty); \
                            `true` starts it again. `enabled` is the only field. Scope `schedule:write`.""")
                    .pathParam("id", SCHEDULE_ID_PARAM)
                    .header("traceparent", TRACEPARENT)
                    .body(ComponentSchemas.SCHEDULE_PATCH_REQUEST, List.of(JSON, MERGE_PATCH_JSON),
                            orderedMap("switch off", Map.of("enabled", false)))
                    .success(200, "The schedule as it is now.", SCHEDULE_DISABLED)
                    .errors(COMMON, VALIDATION_FAILED, MALFORMED_REQUEST, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE,
                            NOT_FOUND, CONFLICT)
                    .build(),
            OperationDoc.operation(DELETE, "/api/v1/schedules/{id}", "deleteSchedule", SCHEDULES)
                    .summary("Delete a schedule")
                    .description("Deletes the schedule and puts a tombstone on the `schedules` topic: it fires no "
                            + "more. Its tasks stay. Scope `schedule:write`.")
                    .pathParam("id", SCHEDULE_ID_PARAM)
                    .header("traceparent", TRACEPARENT)
                    .noContent("Deleted.")
                    .errors(COMMON, NOT_FOUND)
                    .build(),
            OperationDoc.operation(POST, "/api/v1/schedules/{id}:trigger", "triggerSchedule", SCHEDULES)
                    .summary("Fire a schedule now")
                    .description("""
                            Submits one task from the schedule's template now, with `scheduleId` set, exactly as \
                            `POST /tasks` submits one (admission, Kafka's acknowledgement, readable at once). \
                            Works for a disabled schedule too, and ignores the overlap guard \
                            (`SKIP_IF_RUNNING`): it always submits. The answer is the schedule with the new \
                            task as its last run (`lastTaskId`, `lastRunAt`); `Location` is the task's URL. \
                            Scope `schedule:write`.""")
                    .pathParam("id", SCHEDULE_ID_PARAM)
                    .header("traceparent", TRACEPARENT)
                    .success(202, "Accepted: Kafka has the task.", SCHEDULE_TRIGGERED, Headers.LOCATION)
                    .errors(COMMON, NOT_FOUND, QUEUE_FULL)
                    .build(),
            OperationDoc.operation(GET, "/api/v1/workers", "listWorkers", WORKERS)
                    .summary("List the workers")
                    .description("Every worker with a heartbeat, by id, with the status judged from it "
                            + "(`HEALTHY`, `DEGRADED`, `UNHEALTHY`, and why). Never paginated. Scope `admin`.")
                    .success(200, "The workers.", page(null, Examples.WORKER))
                    .errors(COMMON)
                    .build(),
            OperationDoc.operation(GET, "/api/v1/workers/{id}", "getWorker", WORKERS)
                    .summary("Get a worker")
                    .description("One worker from its latest heartbeat. Scope `admin`.")
                    .pathParam("id", "The worker id (what executions show as `workerId`); `404` when it has no "
                            + "heartbeat: it never beat, stopped cleanly, or has been silent for over an hour.")
                    .success(200, "The worker.", Examples.WORKER)
                    .errors(COMMON, NOT_FOUND)
                    .build(),
            OperationDoc.operation(GET, "/api/v1/tenants/{id}/limits", "getTenantLimits", TENANTS)
                    .summary("Get a tenant's rate limits")
                    .description("""
                            The tenant's own limits as `PUT` sets them (`requestsPerMinute` and `burst` null when \
                            it has none for every group; `groups` only those it has), and the limits in effect \
                            per endpoint group (`effective`): the tenant's for the group, else the tenant's, else \
                            the configured ones. Read from the database, not from a node's cache. Any valid \
                            tenant id has limits; tenants need no creation. Scope `admin`.""")
                    .pathParam("id", "The tenant id; one that cannot be a tenant's is `404`.")
                    .success(200, "The tenant's limits.", Examples.TENANT_LIMITS)
                    .errors(COMMON, NOT_FOUND)
                    .build(),
            OperationDoc.operation(PUT, "/api/v1/tenants/{id}/limits", "setTenantLimits", TENANTS)
                    .summary("Set a tenant's rate limits")
                    .description("""
                            Replaces the tenant's own limits (`{}` returns it to the configured ones). They apply \
                            on the node that answers at once and on every other within \
                            `taskstream.ingest.rate-limit.tenant-cache-ttl` (5 s). Scope `admin`.""")
                    .pathParam("id", "The tenant id; one that cannot be a tenant's is `404`.")
                    .body(ComponentSchemas.TENANT_LIMITS_REQUEST, List.of(JSON), orderedMap(
                            "tenant and submit limits", Examples.TENANT_LIMITS_REQUEST,
                            "back to the configured limits", Map.of()))
                    .success(200, "The tenant's limits as they now are.", Examples.TENANT_LIMITS)
                    .errors(COMMON, NOT_FOUND, VALIDATION_FAILED, MALFORMED_REQUEST, PAYLOAD_TOO_LARGE,
                            UNSUPPORTED_MEDIA_TYPE)
                    .build(),
            OperationDoc.operation(POST, "/api/v1/keys", "mintKey", KEYS)
                    .summary("Mint an API key")
                    .description("""
                            A new key `ts_<prefix>_<secret>` with the given scopes, in the caller's tenant (an \
                            `admin` key may name another `tenantId`, which creates that tenant). The answer is \
                            the only one that ever shows `secret`: only its SHA-256 is stored. A key can only \
                            mint keys with scopes it holds itself (`403` otherwise). Scope `key:admin`.""")
                    .body(ComponentSchemas.KEY_REQUEST, List.of(JSON), orderedMap(
                            "a key for a service that submits and reads tasks", Examples.KEY_REQUEST))
                    .success(201, "Minted. `Location` is its URL; `secret` is the whole key, shown this once.",
                            Examples.KEY_MINTED, Headers.LOCATION)
                    .errors(COMMON, VALIDATION_FAILED, MALFORMED_REQUEST, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE)
                    .build(),
            OperationDoc.operation(GET, "/api/v1/keys", "listKeys", KEYS)
                    .summary("List API keys")
                    .description("The tenant's keys, newest first, revoked and expired ones included (`status`); "
                            + "never a secret. Keyset pagination like every list. Scope `key:admin`.")
                    .pageQueries(CURSOR)
                    .success(200, "One page of keys, newest first.", page(null, Examples.KEY))
                    .errors(COMMON, VALIDATION_FAILED)
                    .build(),
            OperationDoc.operation(DELETE, "/api/v1/keys/{id}", "revokeKey", KEYS)
                    .summary("Revoke an API key")
                    .description("""
                            The key stops working at once on this API node and within a second on every other \
                            (Redis pub/sub; at worst after `taskstream.ingest.keys.cache-ttl`). A key can only \
                            revoke keys whose scopes it holds itself. Revoking twice is harmless. \
                            Scope `key:admin`.""")
                    .pathParam("id", KEY_ID_PARAM)
                    .noContent("Revoked.")
                    .errors(COMMON, NOT_FOUND)
                    .build(),
            OperationDoc.operation(POST, "/api/v1/keys/{id}:rotate", "rotateKey", KEYS)
                    .summary("Rotate an API key")
                    .description("""
                            A new secret under the same prefix. The previous secret keeps working until \
                            `previousSecretExpiresAt`: the body's `gracePeriod` (ISO-8601, `PT0S` ends it at \
                            once) or `taskstream.ingest.keys.rotation-grace` (24 h). The body is optional. A \
                            revoked or expired key is `409`. Scope `key:admin`.""")
                    .pathParam("id", KEY_ID_PARAM)
                    .optionalBody(ComponentSchemas.KEY_ROTATE_REQUEST, List.of(JSON), orderedMap(
                            "an hour to roll the new secret out", Map.of("gracePeriod", "PT1H")))
                    .success(200, "The key with its new `secret`, shown this once.", Examples.KEY_ROTATED)
                    .errors(COMMON, VALIDATION_FAILED, MALFORMED_REQUEST, NOT_FOUND, CONFLICT)
                    .build(),
            OperationDoc.operation(GET, "/api/v1/audit", "listAuditEntries", AUDIT)
                    .summary("List the audit log")
                    .description("""
                            The tenant's audit rows, newest first (`occurredAt`, then `id`): one for every \
                            mutating request made with a valid key (`POST`, `PUT`, `PATCH`, `DELETE`, whatever \
                            the answer, refusals included) and for key events such as the bootstrap key stored at \
                            start-up. Rows are written in batches, up to 50 ms after the request. An admin key \
                            reads another tenant's with `X-Tenant-Id`. Scope `key:admin`.""")
                    .query("action", "Only rows of this action, e.g. `schedule.delete` (the names are in "
                            + "docs/security.md, \"Audit log\").", "{\"type\": \"string\"}")
                    .query("since", "Only rows that occurred at or after this instant (ISO-8601).",
                            "{\"type\": \"string\", \"format\": \"date-time\"}")
                    .pageQueries(CURSOR)
                    .success(200, "One page of the audit log, newest first.", page(LIST_CURSOR, Examples.AUDIT_ENTRY))
                    .errors(COMMON, VALIDATION_FAILED)
                    .build(),
            OperationDoc.operation(POST, "/api/v1/audit:verify", "verifyAuditLog", AUDIT)
                    .summary("Verify the audit log's hash chain")
                    .description("""
                            Recomputes every row's SHA-256 in chain order, in the database, and checks that no \
                            row is missing (a gap in `chainSeq`), that each links to the one before (`prev_hash`) \
                            and that each still hashes to its `row_hash`. Always `200`: a broken chain is \
                            `"valid": false` with the first broken `chainSeq` and why. Keep `headSeq` and \
                            `headHash` somewhere else: a later check that no longer reaches them shows that the \
                            log was cut short or rewritten. Covers every tenant's rows. Scope `admin`.""")
                    .success(200, "What the check found (here: a row was deleted).", Examples.AUDIT_BROKEN)
                    .errors(COMMON)
                    .build(),
            OperationDoc.operation(GET, "/api/v1/stats", "getStats", OPERATIONS_TAG)
                    .summary("Queue statistics")
                    .description("Counts by status, queue depth per priority, and tasks completed and failed "
                            + "per minute.")
                    .success(200, "The statistics.", Examples.STATS)
                    .errors(COMMON)
                    .build());

    private static final Map<String, OperationDoc> BY_KEY = OPERATIONS.stream()
            .collect(Collectors.toMap(OperationDoc::key, Function.identity()));

    @Override
    public void customise(OpenAPI openApi) {
        if (openApi.getPaths() == null) {
            return;
        }
        Components components = openApi.getComponents() == null ? new Components() : openApi.getComponents();
        openApi.setComponents(components);
        Needed needed = new Needed();
        openApi.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
            OperationDoc doc = BY_KEY.get(method + " " + path);
            if (doc == null) {
                log.warn("{} {} is not in ApiDocumentation's table: the spec has only what springdoc guessed",
                        method, path);
            } else {
                apply(doc, operation, needed);
            }
        }));
        register(components, needed);
        pruneUnreferencedSchemas(openApi);
        List<Tag> tags = new ArrayList<>();
        TAGS.forEach((name, description) -> {
            if (needed.tags.contains(name)) {
                tags.add(new Tag().name(name).description(description));
            }
        });
        openApi.setTags(tags.isEmpty() ? null : tags);
    }

    private static final Pattern SCHEMA_REF =
            Pattern.compile("#/components/schemas/([A-Za-z0-9_.-]+)");

    /**
     * Drops the schemas springdoc generated for what the table replaced (a batch result's
     * {@code ProblemDetail}, a hidden parameter's type): only schemas the paths reach, directly or
     * through other schemas, stay.
     */
    static void pruneUnreferencedSchemas(OpenAPI openApi) {
        Map<String, Schema> schemas = openApi.getComponents().getSchemas();
        if (schemas == null) {
            return;
        }
        Set<String> reached = new LinkedHashSet<>();
        Deque<String> texts = new ArrayDeque<>();
        texts.add(Json31.pretty(openApi.getPaths()));
        while (!texts.isEmpty()) {
            Matcher refs = SCHEMA_REF.matcher(texts.pop());
            while (refs.find()) {
                String name = refs.group(1);
                if (reached.add(name) && schemas.containsKey(name)) {
                    texts.add(Json31.pretty(schemas.get(name)));
                }
            }
        }
        schemas.keySet().retainAll(reached);
    }

    /** The components the applied entries refer to; only these are added. */
    private static final class Needed {
        final Set<String> schemas = new LinkedHashSet<>();
        final Set<ErrorCode> codes = EnumSet.noneOf(ErrorCode.class);
        final Set<String> headers = new LinkedHashSet<>();
        final Set<String> tags = new LinkedHashSet<>();
    }

    private static void apply(OperationDoc doc, Operation operation, Needed needed) {
        operation.setOperationId(doc.operationId());
        operation.setTags(List.of(doc.tag()));
        needed.tags.add(doc.tag());
        operation.setSummary(doc.summary());
        operation.setDescription(doc.description());
        applyParameters(doc, operation);
        if (doc.request() != null) {
            operation.setRequestBody(requestBody(doc.request()));
            needed.schemas.add(doc.request().schema());
        }
        Schema<?> generated = generatedSuccessSchema(operation);
        ApiResponses responses = new ApiResponses();
        for (OperationDoc.Success success : doc.successes()) {
            responses.addApiResponse(Integer.toString(success.status()), successResponse(success, generated, needed));
        }
        errorsByStatus(doc.errors()).forEach((status, codes) ->
                responses.addApiResponse(Integer.toString(status), problemResponse(status, codes, needed)));
        operation.setResponses(responses);
        operation.setSecurity(List.of(new SecurityRequirement().addList(BEARER),
                new SecurityRequirement().addList(API_KEY)));
    }

    private static void applyParameters(OperationDoc doc, Operation operation) {
        if (operation.getParameters() != null) {
            // a controller that takes every query parameter as one map does so to refuse unknown ones; the
            // table documents the parameters it knows one by one
            operation.getParameters().removeIf(p -> p.getSchema() != null && p.getSchema().get$ref() != null
                    && p.getSchema().get$ref().contains("MultiValueMap"));
            if (operation.getParameters().isEmpty()) {
                operation.setParameters(null);
            }
        }
        for (OperationDoc.Param param : doc.parameters()) {
            Parameter existing = operation.getParameters() == null ? null : operation.getParameters().stream()
                    .filter(p -> param.in().equals(p.getIn()) && param.name().equalsIgnoreCase(p.getName()))
                    .findFirst().orElse(null);
            if (existing == null) {
                // read by hand by the controller, so springdoc does not know it
                operation.addParametersItem(new Parameter().in(param.in()).name(param.name())
                        .required(param.required()).description(param.description())
                        .schema(ComponentSchemas.parse(param.schemaJson())));
            } else {
                existing.setDescription(param.description());
                Schema<?> documented = ComponentSchemas.parse(param.schemaJson());
                if (existing.getSchema() == null) {
                    existing.setSchema(documented);
                } else {
                    refine(existing.getSchema(), documented);
                }
            }
        }
    }

    /**
     * Adds the table's bounds, default and allowed values to a parameter schema springdoc generated from
     * the Java type ({@code Integer limit} knows nothing of 1–500), when both describe the same JSON type.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void refine(Schema generated, Schema<?> documented) {
        if (!Objects.equals(typeOf(generated), typeOf(documented))) {
            return;
        }
        if (generated.getMinimum() == null) {
            generated.setMinimum(documented.getMinimum());
        }
        if (generated.getMaximum() == null) {
            generated.setMaximum(documented.getMaximum());
        }
        if (generated.getDefault() == null && documented.getDefault() != null) {
            generated.setDefault(documented.getDefault());
        }
        if (generated.getEnum() == null && documented.getEnum() != null) {
            generated.setEnum(new ArrayList<>(documented.getEnum()));
        }
    }

    /** A schema's one JSON type: OpenAPI 3.0's {@code type}, or the only member of 3.1's {@code types}. */
    private static String typeOf(Schema<?> schema) {
        if (schema.getType() != null) {
            return schema.getType();
        }
        Set<String> types = schema.getTypes();
        return types != null && types.size() == 1 ? types.iterator().next() : null;
    }

    private static RequestBody requestBody(OperationDoc.Body body) {
        Content content = new Content();
        for (String mediaType : body.mediaTypes()) {
            MediaType media = new MediaType().schema(ref(body.schema()));
            body.examples().forEach((name, value) -> media.addExamples(name, new Example().summary(name).value(value)));
            content.addMediaType(mediaType, media);
        }
        return new RequestBody().required(body.required()).content(content);
    }

    /** The schema springdoc derived from the controller's return type, if any. */
    private static Schema<?> generatedSuccessSchema(Operation operation) {
        if (operation.getResponses() == null) {
            return null;
        }
        return operation.getResponses().entrySet().stream()
                .filter(e -> e.getKey().startsWith("2") && e.getValue().getContent() != null)
                .flatMap(e -> e.getValue().getContent().values().stream())
                .map(MediaType::getSchema)
                .filter(Objects::nonNull)
                .findFirst().orElse(null);
    }

    private static ApiResponse successResponse(OperationDoc.Success success, Schema<?> generated, Needed needed) {
        ApiResponse response = new ApiResponse().description(success.description());
        addRateLimitHeaders(response, needed);
        for (String header : success.headers()) {
            response.addHeaderObject(header, new Header().$ref(Headers.ref(header)));
            needed.headers.add(header);
        }
        if (!success.hasBody()) {
            return response;
        }
        Schema<?> schema = generated;
        if (success.writtenSchema() != null) {
            schema = ref(success.writtenSchema());
            needed.schemas.add(success.writtenSchema());
        }
        return response.content(new Content().addMediaType(JSON, new MediaType().schema(schema)
                .example(success.example())));
    }

    private static Map<Integer, List<ErrorCode>> errorsByStatus(Set<ErrorCode> codes) {
        Map<Integer, List<ErrorCode>> byStatus = new TreeMap<>();
        for (ErrorCode code : codes) {
            byStatus.computeIfAbsent(code.status().value(), s -> new ArrayList<>()).add(code);
        }
        return byStatus;
    }

    private static ApiResponse problemResponse(int status, List<ErrorCode> codes, Needed needed) {
        MediaType media = new MediaType().schema(ref(ComponentSchemas.PROBLEM));
        needed.schemas.add(ComponentSchemas.PROBLEM);
        List<String> lines = new ArrayList<>();
        for (ErrorCode code : codes) {
            media.addExamples(code.code(), new Example().$ref("#/components/examples/" + code.code()));
            needed.codes.add(code);
            lines.add("`" + code.code() + "`: " + MEANINGS.get(code));
        }
        // one code reads as a sentence, several as a list
        String description = lines.size() == 1 ? lines.getFirst() + "."
                : lines.stream().map(line -> "- " + line).collect(Collectors.joining("\n"));
        ApiResponse response = new ApiResponse().description(description)
                .content(new Content().addMediaType(PROBLEM_JSON, media));
        String header = switch (status) {
            case 401 -> Headers.WWW_AUTHENTICATE;
            case 429, 503 -> Headers.RETRY_AFTER;
            default -> null;
        };
        if (header != null) {
            response.addHeaderObject(header, new Header().$ref(Headers.ref(header)));
            needed.headers.add(header);
        }
        if (status == 429) {
            addRateLimitHeaders(response, needed);
        }
        return response;
    }

    /** What every answer the rate limiter counted carries (docs/security.md#rate-limits). */
    private static void addRateLimitHeaders(ApiResponse response, Needed needed) {
        for (String header : List.of(Headers.RATE_LIMIT_LIMIT, Headers.RATE_LIMIT_REMAINING, Headers.RATE_LIMIT_RESET)) {
            response.addHeaderObject(header, new Header().$ref(Headers.ref(header)));
            needed.headers.add(header);
        }
    }

    private static void register(Components components, Needed needed) {
        Set<String> pending = new LinkedHashSet<>(needed.schemas);
        Set<String> done = new LinkedHashSet<>();
        while (!pending.isEmpty()) {
            String name = pending.iterator().next();
            pending.remove(name);
            if (!done.add(name) || !ComponentSchemas.defines(name)) {
                continue;
            }
            components.addSchemas(name, ComponentSchemas.schema(name));
            pending.addAll(ComponentSchemas.references(name));
        }
        for (ErrorCode code : needed.codes) {
            components.addExamples(code.code(), new Example().summary(code.code() + ": " + MEANINGS.get(code))
                    .value(Examples.problem(code)));
        }
        for (String header : needed.headers) {
            components.addHeaders(header, Headers.header(header));
        }
    }

    private static Schema<?> ref(String component) {
        return new Schema<>().$ref("#/components/schemas/" + component);
    }

    /** A map in the order of its arguments ({@code key, value, key, value …}). */
    @SuppressWarnings("unchecked")
    static <V> Map<String, V> orderedMap(Object... entries) {
        Map<String, V> map = new LinkedHashMap<>();
        for (int i = 0; i < entries.length; i += 2) {
            map.put((String) entries[i], (V) entries[i + 1]);
        }
        return map;
    }

    /** The response headers the table names. */
    static final class Headers {
        static final String LOCATION = "Location";
        static final String RETRY_AFTER = "Retry-After";
        static final String WWW_AUTHENTICATE = "WWW-Authenticate";
        static final String RATE_LIMIT_LIMIT = "RateLimit-Limit";
        static final String RATE_LIMIT_REMAINING = "RateLimit-Remaining";
        static final String RATE_LIMIT_RESET = "RateLimit-Reset";

        private Headers() {
        }

        static String ref(String name) {
            return "#/components/headers/" + name;
        }

        static Header header(String name) {
            return switch (name) {
                case LOCATION -> new Header().description("The URL of the task (`/api/v1/tasks/{id}`) or the "
                        + "schedule (`/api/v1/schedules/{id}`) the answer is about.")
                        .schema(ComponentSchemas.parse("{\"type\": \"string\"}"));
                case RETRY_AFTER -> new Header().description("Seconds to wait before trying again.")
                        .schema(ComponentSchemas.parse("{\"type\": \"integer\", \"minimum\": 1}"));
                case WWW_AUTHENTICATE -> new Header().description("`Bearer realm=\"taskstream\"`.")
                        .schema(ComponentSchemas.parse("{\"type\": \"string\"}"));
                case RATE_LIMIT_LIMIT -> new Header().description("The size of the tenant's token bucket for this "
                        + "endpoint group (its burst), in requests. Absent when the limiter could not ask Redis.")
                        .schema(ComponentSchemas.parse("{\"type\": \"integer\", \"minimum\": 1}"));
                case RATE_LIMIT_REMAINING -> new Header().description("Whole requests left in the bucket after this "
                        + "one.")
                        .schema(ComponentSchemas.parse("{\"type\": \"integer\", \"minimum\": 0}"));
                case RATE_LIMIT_RESET -> new Header().description("Seconds (rounded up) until the bucket is full "
                        + "again at the tenant's rate.")
                        .schema(ComponentSchemas.parse("{\"type\": \"integer\", \"minimum\": 0}"));
                default -> throw new IllegalArgumentException("unknown header " + name);
            };
        }
    }

    /** Enum constants as a JSON array of their names. */
    private static String names(Enum<?>[] values) {
        return Arrays.stream(values).map(v -> "\"" + v.name() + "\"").collect(Collectors.joining(", ", "[", "]"));
    }
}
