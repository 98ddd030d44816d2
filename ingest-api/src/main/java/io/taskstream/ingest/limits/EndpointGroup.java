package io.taskstream.ingest.limits;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The endpoint groups a tenant's requests are counted in, one token bucket each:
 * <ul>
 *   <li>{@link #ADMIN}: everything under {@code /api/v1/keys}, {@code /tenants}, {@code /audit} and
 *       {@code /workers}, whatever the method;</li>
 *   <li>{@link #QUERY}: every other {@code GET} and {@code HEAD};</li>
 *   <li>{@link #SUBMIT}: every other method — task submit, batch, cancel and patch, schedule and DLQ writes.</li>
 * </ul>
 * A request costs one token whatever it carries: a batch of 1,000 tasks is one request (its size is
 * bounded by {@code max-batch-size} instead).
 */
public enum EndpointGroup {
    SUBMIT, QUERY, ADMIN;

    static final String API_PREFIX = "/api/v1/";
    private static final List<String> ADMIN_RESOURCES = List.of("keys", "tenants", "audit", "workers");

    /** The name in configuration, metrics, documents and Redis keys, e.g. {@code submit}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<EndpointGroup> of(String wireName) {
        return Arrays.stream(values()).filter(g -> g.wireName().equals(wireName)).findFirst();
    }

    /** The group of a request by its method and path (the path without the context path). */
    public static EndpointGroup of(String method, String path) {
        if (path.startsWith(API_PREFIX)) {
            String rest = path.substring(API_PREFIX.length());
            for (String resource : ADMIN_RESOURCES) {
                // "keys", "keys/…", "keys:…" (custom methods) — but not "keysets"
                if (rest.startsWith(resource) && (rest.length() == resource.length()
                        || rest.charAt(resource.length()) == '/' || rest.charAt(resource.length()) == ':')) {
                    return ADMIN;
                }
            }
        }
        return "GET".equals(method) || "HEAD".equals(method) ? QUERY : SUBMIT;
    }

    @Override
    public String toString() {
        return wireName();
    }
}
