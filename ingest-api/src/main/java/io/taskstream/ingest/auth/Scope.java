package io.taskstream.ingest.auth;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The scopes of CONTRACT.md §2, "API keys, scopes, tenants". A key holds a set of them; every
 * {@code /api/v1} operation declares the one it needs with {@link RequiresScope}. {@link #ADMIN}
 * stands for every other scope and alone lets a key act for another tenant.
 */
public enum Scope {
    TASK_CREATE("task:create"),
    TASK_READ("task:read"),
    TASK_CANCEL("task:cancel"),
    SCHEDULE_READ("schedule:read"),
    SCHEDULE_WRITE("schedule:write"),
    DLQ_READ("dlq:read"),
    DLQ_WRITE("dlq:write"),
    KEY_ADMIN("key:admin"),
    ADMIN("admin");

    private static final Map<String, Scope> BY_WIRE_NAME =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(Scope::wireName, Function.identity()));

    private final String wireName;

    Scope(String wireName) {
        this.wireName = wireName;
    }

    /** The name in keys and documents, e.g. {@code task:read}. */
    public String wireName() {
        return wireName;
    }

    public static Optional<Scope> of(String wireName) {
        return Optional.ofNullable(wireName).map(BY_WIRE_NAME::get);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
