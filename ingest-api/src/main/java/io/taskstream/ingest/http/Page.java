package io.taskstream.ingest.http;

import java.util.List;

/**
 * One page of a list, the shape of every list the API answers (CONTRACT.md §2):
 * {@code {"items": [...], "nextCursor": "..."|null}}; {@code nextCursor} is opaque and null on the
 * last page.
 */
public record Page<T>(List<T> items, String nextCursor) {

    public Page {
        items = List.copyOf(items);
    }

    /** A list that is never paginated (it is small by nature), e.g. a task's attempts. */
    public static <T> Page<T> whole(List<T> items) {
        return new Page<>(items, null);
    }
}
