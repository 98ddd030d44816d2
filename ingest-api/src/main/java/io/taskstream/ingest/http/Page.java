package io.taskstream.ingest.http;

import java.util.List;
import java.util.function.Function;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.schemas.Violation;

/**
 * One page of a list, the shape of every list the API answers (CONTRACT.md §2):
 * {@code {"items": [...], "nextCursor": "..."|null}}; {@code nextCursor} is opaque and null on the
 * last page.
 */
public record Page<T>(List<T> items, String nextCursor) {

    /** Page size of a paginated list when none is asked for. */
    public static final int DEFAULT_LIMIT = 50;
    /** The largest page size a paginated list serves. */
    public static final int MAX_LIMIT = 500;

    public Page {
        items = List.copyOf(items);
    }

    /** A list that is never paginated (it is small by nature), e.g. a task's attempts. */
    public static <T> Page<T> whole(List<T> items) {
        return new Page<>(items, null);
    }

    /**
     * The page of a keyset query that asked for {@code limit + 1} rows: the first {@code limit}, and a
     * cursor at the last of them when the extra row shows there is more ({@code cursorAt} encodes it).
     */
    public static <T> Page<T> ofKeyset(List<T> limitPlusOneRows, int limit, Function<T, KeysetCursor> cursorAt,
            String scope) {
        if (limitPlusOneRows.size() <= limit) {
            return new Page<>(limitPlusOneRows, null);
        }
        List<T> page = limitPlusOneRows.subList(0, limit);
        return new Page<>(page, cursorAt.apply(page.getLast()).encode(scope));
    }

    /** A requested page size, {@link #DEFAULT_LIMIT} when null; outside 1..{@link #MAX_LIMIT} is {@code 400}. */
    public static int limit(Integer requested) {
        int limit = requested == null ? DEFAULT_LIMIT : requested;
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ApiException.validation(List.of(invalidLimit()));
        }
        return limit;
    }

    /** The violation of a {@code limit} that is not a whole number from 1 to {@link #MAX_LIMIT}. */
    public static Violation invalidLimit() {
        return new Violation("limit", "must be a whole number from 1 to " + MAX_LIMIT);
    }
}
