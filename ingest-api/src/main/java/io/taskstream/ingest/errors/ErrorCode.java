package io.taskstream.ingest.errors;

import java.net.URI;
import java.util.Locale;

import org.springframework.http.HttpStatus;

/**
 * The stable machine codes of the API's problem responses (CONTRACT.md §2). Every 4xx/5xx answer
 * carries one in its {@code code} member; the problem {@code type} is derived from it.
 */
public enum ErrorCode {
    VALIDATION_FAILED(HttpStatus.BAD_REQUEST, "Validation failed"),
    MALFORMED_REQUEST(HttpStatus.BAD_REQUEST, "Malformed request"),
    UNAUTHENTICATED(HttpStatus.UNAUTHORIZED, "Unauthenticated"),
    FORBIDDEN(HttpStatus.FORBIDDEN, "Forbidden"),
    NOT_FOUND(HttpStatus.NOT_FOUND, "Not found"),
    METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
    NOT_ACCEPTABLE(HttpStatus.NOT_ACCEPTABLE, "Not acceptable"),
    CONFLICT(HttpStatus.CONFLICT, "Conflict"),
    IDEMPOTENCY_CONFLICT(HttpStatus.CONFLICT, "Idempotency key reused with a different request"),
    PAYLOAD_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    RATE_LIMITED(HttpStatus.TOO_MANY_REQUESTS, "Rate limited"),
    INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error"),
    QUEUE_FULL(HttpStatus.SERVICE_UNAVAILABLE, "Queue full"),
    DEPENDENCY_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "Dependency unavailable");

    /** Problem types are {@code <this>/<code>}, e.g. {@code https://taskstream.io/problems/not_found}. */
    public static final String TYPE_BASE = "https://taskstream.io/problems/";

    private final HttpStatus status;
    private final String title;

    ErrorCode(HttpStatus status, String title) {
        this.status = status;
        this.title = title;
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The wire form, e.g. {@code validation_failed}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public URI type() {
        return URI.create(TYPE_BASE + code());
    }

    /**
     * The code for a status that Spring or the servlet container produced on its own (an unknown
     * path, a wrong method …). Statuses without a contract code get their reason phrase in
     * snake case, e.g. {@code 408 → request_timeout}.
     */
    public static String codeFor(int status) {
        return switch (status) {
            case 400 -> MALFORMED_REQUEST.code();
            case 401 -> UNAUTHENTICATED.code();
            case 403 -> FORBIDDEN.code();
            case 404 -> NOT_FOUND.code();
            case 405 -> METHOD_NOT_ALLOWED.code();
            case 406 -> NOT_ACCEPTABLE.code();
            case 409 -> CONFLICT.code();
            case 413 -> PAYLOAD_TOO_LARGE.code();
            case 415 -> UNSUPPORTED_MEDIA_TYPE.code();
            case 429 -> RATE_LIMITED.code();
            case 503 -> DEPENDENCY_UNAVAILABLE.code();
            default -> {
                HttpStatus known = HttpStatus.resolve(status);
                if (known == null || status >= 500) {
                    yield status >= 500 ? INTERNAL_ERROR.code() : "client_error";
                }
                yield known.name().toLowerCase(Locale.ROOT);
            }
        };
    }

    /** The title for a status without a contract code: its reason phrase. */
    public static String titleFor(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        return known == null ? "Error" : known.getReasonPhrase();
    }
}
