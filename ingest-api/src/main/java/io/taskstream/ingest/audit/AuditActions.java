package io.taskstream.ingest.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The action name of every mutating {@code /api/v1} route: {@code <resource>.<verb>}, singular, lower case —
 * what the audit log's {@code action} column holds and {@code GET /audit?action=} filters on. Names are part
 * of the API: they stay when a route's path or Java method changes, and the rows written before V8 already
 * used {@code schedule.*} and {@code dlq.*} names of this form.
 *
 * <table>
 *   <caption>Routes and actions</caption>
 *   <tr><th>Route</th><th>Action</th><th>Resource</th></tr>
 *   <tr><td>{@code POST /tasks}</td><td>{@code task.submit}</td><td>task (from {@code Location})</td></tr>
 *   <tr><td>{@code POST /tasks:batch}</td><td>{@code task.submit_batch}</td><td>—</td></tr>
 *   <tr><td>{@code DELETE /tasks/{id}}</td><td>{@code task.cancel}</td><td>task</td></tr>
 *   <tr><td>{@code PATCH /tasks/{id}}</td><td>{@code task.reprioritize}</td><td>task</td></tr>
 *   <tr><td>{@code POST /dlq/{taskId}:replay}</td><td>{@code dlq.replay}</td><td>task</td></tr>
 *   <tr><td>{@code POST /dlq:replay}</td><td>{@code dlq.replay_bulk}</td><td>— (detail: {@code taskIds})</td></tr>
 *   <tr><td>{@code DELETE /dlq/{taskId}}</td><td>{@code dlq.purge}</td><td>task</td></tr>
 *   <tr><td>{@code POST /schedules}</td><td>{@code schedule.create}</td><td>schedule (from {@code Location})</td></tr>
 *   <tr><td>{@code PUT /schedules/{id}}</td><td>{@code schedule.update}</td><td>schedule</td></tr>
 *   <tr><td>{@code PATCH /schedules/{id}}</td><td>{@code schedule.set_enabled}</td><td>schedule</td></tr>
 *   <tr><td>{@code DELETE /schedules/{id}}</td><td>{@code schedule.delete}</td><td>schedule</td></tr>
 *   <tr><td>{@code POST /schedules/{id}:trigger}</td><td>{@code schedule.trigger}</td><td>schedule</td></tr>
 *   <tr><td>{@code POST /keys}</td><td>{@code key.create}</td><td>key (from {@code Location})</td></tr>
 *   <tr><td>{@code DELETE /keys/{id}}</td><td>{@code key.revoke}</td><td>key</td></tr>
 *   <tr><td>{@code POST /keys/{id}:rotate}</td><td>{@code key.rotate}</td><td>key</td></tr>
 *   <tr><td>{@code PUT /tenants/{id}/limits}</td><td>{@code tenant.limits.update}</td><td>tenant</td></tr>
 *   <tr><td>{@code POST /audit:verify}</td><td>{@code audit.verify}</td><td>—</td></tr>
 * </table>
 * A route missing from the table (a new one) still gets a name by rule — the path's literal segments, then
 * the custom method ({@code :verb}) or {@code create}/{@code replace}/{@code update}/{@code delete} for
 * POST/PUT/PATCH/DELETE, e.g. {@code POST /widgets/{id}/parts} → {@code widgets.parts.create} — and
 * {@code AuditIT} fails until it is added here. A request that matched no route is {@link #UNMATCHED},
 * with its method and path in the detail.
 */
public final class AuditActions {

    /** The methods that change something; only they are audited. */
    public static final Set<String> MUTATING = Set.of("POST", "PUT", "PATCH", "DELETE");
    /** The action of a mutating request that matched no route (a {@code 404}/{@code 405} of a wrong path). */
    public static final String UNMATCHED = "request.unmatched";

    private static final String API = "/api/v1";

    /**
     * What a route does to what.
     *
     * @param name         the action name
     * @param resourceType the kind of resource, or null
     * @param idVariable   the path variable holding the resource's id; null: the {@code Location} of the answer
     */
    public record Action(String name, String resourceType, String idVariable) {
    }

    private static final Map<String, Action> BY_ROUTE = Stream.of(
            route("POST", "/tasks", "task.submit", "task", null),
            route("POST", "/tasks:batch", "task.submit_batch", null, null),
            route("DELETE", "/tasks/{id}", "task.cancel", "task", "id"),
            route("PATCH", "/tasks/{id}", "task.reprioritize", "task", "id"),
            route("POST", "/dlq/{taskId}:replay", "dlq.replay", "task", "taskId"),
            route("POST", "/dlq:replay", "dlq.replay_bulk", null, null),
            route("DELETE", "/dlq/{taskId}", "dlq.purge", "task", "taskId"),
            route("POST", "/schedules", "schedule.create", "schedule", null),
            route("PUT", "/schedules/{id}", "schedule.update", "schedule", "id"),
            route("PATCH", "/schedules/{id}", "schedule.set_enabled", "schedule", "id"),
            route("DELETE", "/schedules/{id}", "schedule.delete", "schedule", "id"),
            route("POST", "/schedules/{id}:trigger", "schedule.trigger", "schedule", "id"),
            route("POST", "/keys", "key.create", "key", null),
            route("DELETE", "/keys/{id}", "key.revoke", "key", "id"),
            route("POST", "/keys/{id}:rotate", "key.rotate", "key", "id"),
            route("PUT", "/tenants/{id}/limits", "tenant.limits.update", "tenant", "id"),
            route("POST", "/audit:verify", "audit.verify", null, null))
            .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));

    private AuditActions() {
    }

    private static Map.Entry<String, Action> route(String method, String path, String name, String type, String id) {
        return Map.entry(key(method, API + path), new Action(name, type, id));
    }

    private static String key(String method, String pattern) {
        return method + " " + pattern;
    }

    /** Whether the table names the route (rather than the rule). */
    public static boolean isNamed(String method, String pattern) {
        return BY_ROUTE.containsKey(key(method, pattern));
    }

    /** The action of a request to the route {@code pattern} (Spring MVC's best-matching pattern). */
    public static Action of(String method, String pattern) {
        Action named = BY_ROUTE.get(key(method, pattern));
        return named != null ? named : byRule(method, pattern);
    }

    /** The mutating routes among {@code routes} ({@code METHOD pattern}) that the table does not name. */
    public static List<String> unnamed(List<String> routes) {
        return routes.stream().filter(r -> MUTATING.contains(r.substring(0, r.indexOf(' '))))
                .filter(r -> r.substring(r.indexOf(' ') + 1).startsWith(API + "/"))
                .filter(r -> !BY_ROUTE.containsKey(r))
                .sorted().toList();
    }

    static Action byRule(String method, String pattern) {
        String path = pattern.startsWith(API + "/") ? pattern.substring(API.length() + 1) : pattern;
        String verb = switch (method) {
            case "POST" -> "create";
            case "PUT" -> "replace";
            case "PATCH" -> "update";
            case "DELETE" -> "delete";
            default -> method.toLowerCase(Locale.ROOT);
        };
        int colon = path.lastIndexOf(':');
        if (colon > path.lastIndexOf('/') && colon > path.lastIndexOf('}')) {
            verb = path.substring(colon + 1);
            path = path.substring(0, colon);
        }
        List<String> names = new ArrayList<>();
        String idVariable = null;
        for (String segment : path.split("/")) {
            if (segment.startsWith("{") && segment.endsWith("}")) {
                idVariable = segment.substring(1, segment.length() - 1);
            } else if (!segment.isEmpty()) {
                names.add(segment);
            }
        }
        String resource = names.isEmpty() ? "api" : names.getFirst();
        names.add(verb);
        return new Action(String.join(".", names), resource, idVariable);
    }

    /** Every name the table gives, sorted (for the docs and their test). */
    static List<String> names() {
        return BY_ROUTE.values().stream().map(Action::name).sorted().toList();
    }
}
