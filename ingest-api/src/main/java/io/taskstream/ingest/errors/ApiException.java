package io.taskstream.ingest.errors;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import io.taskstream.schemas.Violation;

/**
 * A request the API answers with a problem: thrown anywhere below a controller (or handed to the
 * exception resolver by a filter) and rendered by {@link ProblemHandler} as
 * {@code application/problem+json}.
 *
 * @param retryAfter  sent as {@code Retry-After} when present (429, 503)
 */
public final class ApiException extends RuntimeException {

    private final ErrorCode code;
    private final transient List<Violation> errors;
    private final Duration retryAfter;

    public ApiException(ErrorCode code, String detail) {
        this(code, detail, List.of(), null, null);
    }

    public ApiException(ErrorCode code, String detail, List<Violation> errors, Duration retryAfter, Throwable cause) {
        super(detail, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.errors = List.copyOf(errors);
        this.retryAfter = retryAfter;
    }

    public static ApiException validation(List<Violation> errors) {
        String detail = errors.size() == 1
                ? "the request is invalid: " + errors.getFirst()
                : "the request is invalid (" + errors.size() + " errors)";
        return new ApiException(ErrorCode.VALIDATION_FAILED, detail, errors, null, null);
    }

    /** {@code 404 not_found}; also the answer for another tenant's resource (no existence oracle). */
    public static ApiException notFound(String detail) {
        return new ApiException(ErrorCode.NOT_FOUND, detail);
    }

    /** {@code 409 conflict}: the resource is in a state that does not allow the request. */
    public static ApiException conflict(String detail) {
        return new ApiException(ErrorCode.CONFLICT, detail);
    }

    public static ApiException dependencyUnavailable(String detail, Duration retryAfter, Throwable cause) {
        return new ApiException(ErrorCode.DEPENDENCY_UNAVAILABLE, detail, List.of(), retryAfter, cause);
    }

    public ErrorCode code() {
        return code;
    }

    public List<Violation> errors() {
        return errors;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
