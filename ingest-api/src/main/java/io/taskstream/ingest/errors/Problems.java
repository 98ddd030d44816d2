package io.taskstream.ingest.errors;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

import io.taskstream.schemas.Violation;

/**
 * Builds the one shape of every error answer: RFC 9457 problem details with {@code type},
 * {@code title}, {@code status}, {@code detail}, the machine {@code code}, and {@code errors} for
 * validation.
 */
public final class Problems {

    static final String CODE = "code";
    static final String ERRORS = "errors";

    private Problems() {
    }

    public static ProblemDetail of(ErrorCode code, String detail, List<Violation> errors) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(code.status(), detail);
        problem.setType(code.type());
        problem.setTitle(code.title());
        problem.setProperty(CODE, code.code());
        if (!errors.isEmpty()) {
            problem.setProperty(ERRORS, errors.stream()
                    .map(v -> Map.of("field", v.field(), "message", v.message()))
                    .toList());
        }
        return problem;
    }

    /**
     * Completes a problem that Spring built for one of its own exceptions (or for a bare status):
     * keeps its status and detail, adds our {@code type}, {@code title} and {@code code}.
     */
    public static ProblemDetail decorate(ProblemDetail problem) {
        int status = problem.getStatus();
        String code = problem.getProperties() != null && problem.getProperties().get(CODE) instanceof String c
                ? c : ErrorCode.codeFor(status);
        problem.setProperty(CODE, code);
        problem.setType(java.net.URI.create(ErrorCode.TYPE_BASE + code));
        problem.setTitle(titleOf(code, status));
        return problem;
    }

    private static String titleOf(String code, int status) {
        for (ErrorCode known : ErrorCode.values()) {
            if (known.code().equals(code)) {
                return known.title();
            }
        }
        return ErrorCode.titleFor(status);
    }

    /** The response for a problem: {@code application/problem+json}, whatever the client accepts. */
    public static ResponseEntity<Object> response(ProblemDetail problem, HttpHeaders extraHeaders) {
        HttpHeaders headers = new HttpHeaders();
        if (extraHeaders != null) {
            headers.putAll(extraHeaders);
        }
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return ResponseEntity.status(problem.getStatus()).headers(headers).body(problem);
    }

    /** {@code Retry-After} in whole seconds (at least 1). */
    public static String retryAfterSeconds(Duration retryAfter) {
        long millis = retryAfter.toMillis();
        return Long.toString(Math.max(1, (millis + 999) / 1000));
    }
}
