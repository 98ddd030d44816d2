package io.taskstream.ingest.http;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.util.MultiValueMap;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.schemas.Violation;

/** Query parameters of the endpoints that take each of theirs at most once. */
public final class QueryParameters {

    private QueryParameters() {
    }

    /**
     * The query parameters, each given at most once (an empty one counts as absent); an unknown or repeated
     * one is {@code 400}, naming every such parameter.
     */
    public static Map<String, String> single(MultiValueMap<String, String> parameters, List<String> known) {
        List<Violation> violations = new ArrayList<>();
        Map<String, String> given = new HashMap<>();
        parameters.forEach((name, values) -> {
            if (!known.contains(name)) {
                violations.add(new Violation(name, "unknown parameter; supported: " + String.join(", ", known)));
                return;
            }
            List<String> present = values.stream().filter(v -> v != null && !v.isEmpty()).toList();
            if (present.size() > 1) {
                violations.add(new Violation(name, "must be given at most once"));
            } else if (present.size() == 1) {
                given.put(name, present.getFirst());
            }
        });
        if (!violations.isEmpty()) {
            throw ApiException.validation(violations);
        }
        return given;
    }

    /** {@code limit} as {@link Page#limit} takes it: absent is null; not a number is {@code 400}. */
    public static Integer limit(Map<String, String> given) {
        String value = given.get("limit");
        if (value == null) {
            return null;
        }
        try {
            return Integer.valueOf(value);
        } catch (NumberFormatException e) {
            throw ApiException.validation(List.of(Page.invalidLimit()));
        }
    }

    /** An ISO-8601 instant given as parameter {@code name}; anything else is {@code 400} naming it. */
    public static Instant instant(String value, String name) {
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeException e) {
            throw ApiException.validation(List.of(new Violation(name, "'" + value + "' is not an ISO-8601 instant "
                    + "such as 2027-03-28T00:00:00Z")));
        }
    }
}
