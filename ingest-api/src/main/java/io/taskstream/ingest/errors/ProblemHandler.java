package io.taskstream.ingest.errors;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.ServletRequestBindingException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

import io.taskstream.ingest.config.IngestProperties;

/**
 * The one place that turns failures into problem responses: our own {@link ApiException}s, Spring
 * MVC's exceptions (unknown path 404, 405, 415, unreadable body …, via
 * {@link ResponseEntityExceptionHandler}), an unreachable database (503) and anything unexpected
 * (500, logged, no internals leaked). Filters hand their failures here through the
 * {@code handlerExceptionResolver}; what still escapes reaches {@link ProblemErrorController}.
 */
@RestControllerAdvice
public class ProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    private final IngestProperties properties;

    public ProblemHandler(IngestProperties properties) {
        this.properties = properties;
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Object> api(ApiException e) {
        return toResponse(e);
    }

    /** What {@link ApiException} looks like on the wire; shared with the error controller. */
    static ResponseEntity<Object> toResponse(ApiException e) {
        HttpHeaders headers = new HttpHeaders();
        if (e.retryAfter() != null) {
            headers.set(HttpHeaders.RETRY_AFTER, Problems.retryAfterSeconds(e.retryAfter()));
        }
        if (e.code() == ErrorCode.UNAUTHENTICATED) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"taskstream\"");
        }
        return Problems.response(Problems.of(e.code(), e.getMessage(), e.errors()), headers);
    }

    @ExceptionHandler({CannotGetJdbcConnectionException.class, CannotCreateTransactionException.class,
            DataAccessResourceFailureException.class, TransientDataAccessException.class})
    ResponseEntity<Object> databaseUnavailable(Exception e) {
        log.warn("database unavailable: {}", e.getMessage());
        return toResponse(ApiException.dependencyUnavailable("the database is unavailable; retry later",
                properties.retryAfter(), e));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception e) {
        log.error("unexpected error", e);
        return Problems.response(Problems.of(ErrorCode.INTERNAL_ERROR, "an unexpected error occurred", List.of()),
                null);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        ProblemDetail problem = Problems.of(ErrorCode.MALFORMED_REQUEST, "the request body could not be read",
                List.of());
        return handleExceptionInternal(ex, problem, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
            HttpStatusCode statusCode, WebRequest request) {
        ProblemDetail problem = body instanceof ProblemDetail p ? p
                : ProblemDetail.forStatusAndDetail(statusCode, ex.getMessage());
        if (isParameterProblem(ex)) {
            problem.setProperty(Problems.CODE, ErrorCode.VALIDATION_FAILED.code());
        }
        return Problems.response(Problems.decorate(problem), headers);
    }

    private static boolean isParameterProblem(Exception ex) {
        return ex instanceof TypeMismatchException || ex instanceof ServletRequestBindingException
                || ex instanceof MethodArgumentNotValidException || ex instanceof HandlerMethodValidationException;
    }
}
