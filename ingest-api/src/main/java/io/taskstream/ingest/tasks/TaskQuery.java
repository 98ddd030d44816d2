package io.taskstream.ingest.tasks;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.http.KeysetCursor;
import io.taskstream.ingest.http.Page;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Violation;

/**
 * A {@code GET /tasks} query, read from the query string of the request:
 * {@code status}, {@code type}, {@code priority}, {@code label}, {@code createdAfter},
 * {@code createdBefore}, {@code scheduleId}, {@code limit}, {@code cursor}.
 * <ul>
 *   <li>{@code status}, {@code type} and {@code priority} each take a comma-separated list (the
 *       parameter may also repeat): a task matches one of the values. Status and priority names are
 *       the contract's, upper case; a type must be a valid task type.</li>
 *   <li>{@code label=key:value} may repeat: a task matches when it carries every one of them. The
 *       key ends at the first {@code :}, so a label whose key contains {@code :} cannot be filtered.</li>
 *   <li>{@code createdAfter} (inclusive) and {@code createdBefore} (exclusive) are ISO-8601 instants
 *       ({@code 2026-11-28T10:00:00Z}, or with an offset; in a URL {@code +} must be {@code %2B}).</li>
 *   <li>{@code scheduleId} (a UUID): only the tasks that schedule submitted (its fires and triggers).</li>
 *   <li>Different parameters narrow each other (and). An empty parameter counts as absent.</li>
 * </ul>
 * Anything else — an unknown parameter, a bad value, a single-valued parameter given twice — is
 * {@code 400 validation_failed} naming every offending parameter at once.
 *
 * @param after where the previous page ended (a {@code cursor} of this same query), null for the first
 */
public record TaskQuery(String tenantId, Set<TaskStatus> statuses, Set<String> types, Set<Priority> priorities,
                        Map<String, String> labels, Instant createdAfter, Instant createdBefore, UUID scheduleId,
                        int limit, KeysetCursor after) {

    static final String STATUS = "status";
    static final String TYPE = "type";
    static final String PRIORITY = "priority";
    static final String LABEL = "label";
    static final String CREATED_AFTER = "createdAfter";
    static final String CREATED_BEFORE = "createdBefore";
    static final String SCHEDULE_ID = "scheduleId";
    static final String LIMIT = "limit";
    static final String CURSOR = "cursor";
    static final List<String> PARAMETERS = List.of(STATUS, TYPE, PRIORITY, LABEL, CREATED_AFTER, CREATED_BEFORE,
            SCHEDULE_ID, LIMIT, CURSOR);

    public TaskQuery {
        statuses = Collections.unmodifiableSet(statuses.isEmpty() ? EnumSet.noneOf(TaskStatus.class)
                : EnumSet.copyOf(statuses));
        types = Collections.unmodifiableSortedSet(new TreeSet<>(types));
        priorities = Collections.unmodifiableSet(priorities.isEmpty() ? EnumSet.noneOf(Priority.class)
                : EnumSet.copyOf(priorities));
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }

    /** The query of {@code tenantId}'s request with these query parameters (name → every value given). */
    public static TaskQuery parse(String tenantId, Map<String, List<String>> parameters) {
        List<Violation> violations = new ArrayList<>();
        parameters.keySet().stream().filter(name -> !PARAMETERS.contains(name)).forEach(name -> violations.add(
                new Violation(name, "unknown parameter; supported: " + String.join(", ", PARAMETERS))));

        Set<TaskStatus> statuses = EnumSet.noneOf(TaskStatus.class);
        for (String value : listValues(parameters, STATUS)) {
            enumValue(TaskStatus.class, value, STATUS, violations).ifPresent(statuses::add);
        }
        Set<Priority> priorities = EnumSet.noneOf(Priority.class);
        for (String value : listValues(parameters, PRIORITY)) {
            enumValue(Priority.class, value, PRIORITY, violations).ifPresent(priorities::add);
        }
        SortedSet<String> types = new TreeSet<>();
        for (String value : listValues(parameters, TYPE)) {
            if (TaskSubmission.TYPE_PATTERN.matcher(value).matches()) {
                types.add(value);
            } else {
                violations.add(new Violation(TYPE, "'" + value + "' is not a task type (it must match "
                        + TaskSubmission.TYPE_PATTERN + ")"));
            }
        }
        SortedMap<String, String> labels = labels(parameters.getOrDefault(LABEL, List.of()), violations);
        Instant createdAfter = single(parameters, CREATED_AFTER, violations, v -> instant(v, CREATED_AFTER, violations));
        Instant createdBefore = single(parameters, CREATED_BEFORE, violations,
                v -> instant(v, CREATED_BEFORE, violations));
        if (createdAfter != null && createdBefore != null && !createdAfter.isBefore(createdBefore)) {
            violations.add(new Violation(CREATED_BEFORE, "must be later than createdAfter"));
        }
        UUID scheduleId = single(parameters, SCHEDULE_ID, violations, v -> uuid(v, SCHEDULE_ID, violations));
        Integer limit = single(parameters, LIMIT, violations, v -> limit(v, violations));
        String cursor = single(parameters, CURSOR, violations, Function.identity());
        if (!violations.isEmpty()) {
            throw ApiException.validation(violations);
        }
        TaskQuery query = new TaskQuery(tenantId, statuses, types, priorities, labels, createdAfter, createdBefore,
                scheduleId, limit == null ? Page.DEFAULT_LIMIT : limit, null);
        return query.withAfter(KeysetCursor.decode(cursor, query.scope()));
    }

    public TaskQuery withAfter(KeysetCursor after) {
        return new TaskQuery(tenantId, statuses, types, priorities, labels, createdAfter, createdBefore, scheduleId,
                limit, after);
    }

    /**
     * What a cursor of this query is bound to: the listing, the tenant and the filters, in a canonical
     * form (not the page size, which may change from page to page).
     */
    public String scope() {
        Map<String, Object> canonical = new LinkedHashMap<>();
        canonical.put("tenant", tenantId);
        canonical.put(STATUS, statuses.stream().map(Enum::name).toList());
        canonical.put(TYPE, List.copyOf(types));
        canonical.put(PRIORITY, priorities.stream().map(Enum::name).toList());
        canonical.put(LABEL, labels);
        canonical.put(CREATED_AFTER, String.valueOf(createdAfter));
        canonical.put(CREATED_BEFORE, String.valueOf(createdBefore));
        if (scheduleId != null) {
            // only when given, so that the cursors of queries without it stay what they were
            canonical.put(SCHEDULE_ID, scheduleId.toString());
        }
        return "tasks|" + Json.mapper().writeValueAsString(canonical);
    }

    /** The values of a list parameter: every comma-separated item of every occurrence, blanks skipped. */
    private static List<String> listValues(Map<String, List<String>> parameters, String name) {
        return parameters.getOrDefault(name, List.of()).stream()
                .flatMap(value -> Arrays.stream(value.split(",")))
                .map(String::strip)
                .filter(value -> !value.isEmpty())
                .toList();
    }

    private static <E extends Enum<E>> Optional<E> enumValue(Class<E> type, String value, String name,
            List<Violation> violations) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(value)) {
                return Optional.of(constant);
            }
        }
        violations.add(new Violation(name, "unknown value '" + value + "'; one of "
                + String.join(", ", Arrays.stream(type.getEnumConstants()).map(Enum::name).toList())));
        return Optional.empty();
    }

    private static SortedMap<String, String> labels(List<String> values, List<Violation> violations) {
        SortedMap<String, String> labels = new TreeMap<>();
        for (String value : values) {
            if (value.isEmpty()) {
                continue;
            }
            int colon = value.indexOf(':');
            if (colon < 1) {
                violations.add(new Violation(LABEL, "'" + value + "' is not key:value"));
                continue;
            }
            String key = value.substring(0, colon);
            String previous = labels.putIfAbsent(key, value.substring(colon + 1));
            if (previous != null && !previous.equals(value.substring(colon + 1))) {
                violations.add(new Violation(LABEL, "the key '" + key + "' is given with two values; a task "
                        + "carries one value per key, so nothing could match"));
            }
        }
        return labels;
    }

    /** The value of a parameter that may be given once; empty counts as absent. */
    private static <T> T single(Map<String, List<String>> parameters, String name, List<Violation> violations,
            Function<String, T> parse) {
        List<String> values = parameters.getOrDefault(name, List.of()).stream().filter(v -> !v.isEmpty()).toList();
        if (values.size() > 1) {
            violations.add(new Violation(name, "must be given at most once"));
            return null;
        }
        return values.isEmpty() ? null : parse.apply(values.getFirst());
    }

    private static Instant instant(String value, String name, List<Violation> violations) {
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeException e) {
            violations.add(new Violation(name, "'" + value + "' is not an ISO-8601 instant such as "
                    + "2026-11-28T10:00:00Z"));
            return null;
        }
    }

    private static UUID uuid(String value, String name, List<Violation> violations) {
        try {
            UUID id = UUID.fromString(value);
            if (id.toString().equalsIgnoreCase(value)) {
                return id;
            }
        } catch (IllegalArgumentException e) {
            // the same answer as a lenient parse that does not round-trip
        }
        violations.add(new Violation(name, "'" + value + "' is not a schedule id (a UUID)"));
        return null;
    }

    private static Integer limit(String value, List<Violation> violations) {
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= Page.MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // the same answer as a number out of range
        }
        violations.add(Page.invalidLimit());
        return null;
    }
}
