package io.taskstream.schemas.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a metric tag's values bounded: the first {@code max} distinct values it is asked about are
 * passed through, every later one is reported as {@value #OTHER}. Tags whose values come from users
 * (a tenant id, a task type) would otherwise make a new time series per value, without end, in this
 * process and in Prometheus. Which values are kept depends on the order a process sees them in, and a
 * restart starts afresh: the price of a bound that needs no configuration per value.
 *
 * <p>One instance per tag (tenants and types have a bound each). Thread-safe: a value once kept stays
 * kept, and no more than {@code max} are.
 */
public final class BoundedTagValues {

    /** The property that sets {@code max} for every bounded tag of a service. */
    public static final String MAX_VALUES_PROPERTY = "taskstream.metrics.max-tag-values";
    public static final int DEFAULT_MAX_VALUES = 100;
    /** What a value beyond the first {@code max} is reported as. */
    public static final String OTHER = "other";
    /** What a missing (null or empty) value is reported as; it does not take one of the {@code max} places. */
    public static final String UNKNOWN = "unknown";

    private final int max;
    private final Set<String> kept = ConcurrentHashMap.newKeySet();

    /** @param max the distinct values kept, at least 1 ({@value #MAX_VALUES_PROPERTY}) */
    public BoundedTagValues(int max) {
        if (max < 1) {
            throw new IllegalArgumentException(MAX_VALUES_PROPERTY + " must be at least 1 (was " + max + ")");
        }
        this.max = max;
    }

    /** With the default bound of {@value #DEFAULT_MAX_VALUES}. */
    public static BoundedTagValues ofDefaultSize() {
        return new BoundedTagValues(DEFAULT_MAX_VALUES);
    }

    /** {@code value} if it is one of the kept values or there is room to keep it, else {@value #OTHER}. */
    public String of(String value) {
        if (value == null || value.isEmpty()) {
            return UNKNOWN;
        }
        if (kept.contains(value)) {
            return value;
        }
        synchronized (kept) { // check-then-add: the bound holds when threads race for the last place
            if (kept.size() < max) {
                kept.add(value);
                return value;
            }
        }
        return kept.contains(value) ? value : OTHER;
    }

    public int max() {
        return max;
    }

    @Override
    public String toString() {
        return "BoundedTagValues[max=" + max + ", kept=" + kept.size() + "]";
    }
}
