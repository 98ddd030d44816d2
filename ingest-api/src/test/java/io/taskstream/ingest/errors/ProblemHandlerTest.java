package io.taskstream.ingest.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.servlet.resource.NoResourceFoundException;

import io.taskstream.ingest.config.IngestPropertiesTest;
import io.taskstream.schemas.Violation;

class ProblemHandlerTest {

    private final ProblemHandler handler = new ProblemHandler(IngestPropertiesTest.valid());
    private final ServletWebRequest request = new ServletWebRequest(new MockHttpServletRequest("GET", "/api/v1/x"));

    private static ProblemDetail problem(ResponseEntity<Object> response) {
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(response.getBody()).isInstanceOf(ProblemDetail.class);
        ProblemDetail problem = (ProblemDetail) response.getBody();
        assertThat(problem.getStatus()).isEqualTo(response.getStatusCode().value());
        return problem;
    }

    private static Object code(ProblemDetail problem) {
        return problem.getProperties().get("code");
    }

    @Test
    void validationProblemListsEveryError() {
        ApiException e = ApiException.validation(List.of(new Violation("type", "bad"), new Violation("payload", "bad")));

        ProblemDetail p = problem(handler.api(e));

        assertThat(p.getStatus()).isEqualTo(400);
        assertThat(code(p)).isEqualTo("validation_failed");
        assertThat(p.getType().toString()).isEqualTo("https://taskstream.io/problems/validation_failed");
        assertThat(p.getTitle()).isEqualTo("Validation failed");
        assertThat(p.getDetail()).isEqualTo("the request is invalid (2 errors)");
        assertThat(p.getProperties().get("errors")).isEqualTo(List.of(Map.of("field", "type", "message", "bad"),
                Map.of("field", "payload", "message", "bad")));
    }

    @Test
    void unavailableDependencySaysWhenToRetry() {
        ResponseEntity<Object> response = handler.api(
                ApiException.dependencyUnavailable("down", Duration.ofMillis(2500), null));

        assertThat(response.getStatusCode().value()).isEqualTo(503);
        assertThat(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("3");
        assertThat(code(problem(response))).isEqualTo("dependency_unavailable");
    }

    @Test
    void unauthenticatedNamesTheScheme() {
        ResponseEntity<Object> response = handler.api(new ApiException(ErrorCode.UNAUTHENTICATED, "no key"));

        assertThat(response.getStatusCode().value()).isEqualTo(401);
        assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).startsWith("Bearer");
        assertThat(problem(response).getProperties()).doesNotContainKey("errors");
    }

    @Test
    void springsOwnErrorsGetOurCodes() throws Exception {
        assertThat(code(problem(handler.handleException(new NoResourceFoundException(HttpMethod.GET, "/nope", "nope"),
                request)))).isEqualTo("not_found");
        assertThat(code(problem(handler.handleException(new HttpRequestMethodNotSupportedException("PUT"), request))))
                .isEqualTo("method_not_allowed");
        assertThat(code(problem(handler.handleException(
                new HttpMediaTypeNotSupportedException(MediaType.TEXT_PLAIN, List.of(MediaType.APPLICATION_JSON)),
                request)))).isEqualTo("unsupported_media_type");
        assertThat(code(problem(handler.handleException(
                new MissingServletRequestParameterException("limit", "int"), request)))).isEqualTo("validation_failed");
    }

    @Test
    void unreadableBodyIsMalformed() throws Exception {
        var inputMessage = new ServletServerHttpRequest(new MockHttpServletRequest());
        ProblemDetail p = problem(handler.handleException(
                new HttpMessageNotReadableException("boom", inputMessage), request));

        assertThat(p.getStatus()).isEqualTo(400);
        assertThat(code(p)).isEqualTo("malformed_request");
        assertThat(p.getType().toString()).endsWith("/malformed_request");
    }

    @Test
    void databaseOutageIsADependencyProblem() {
        ResponseEntity<Object> response = handler.databaseUnavailable(
                new CannotGetJdbcConnectionException("no connection"));

        assertThat(response.getStatusCode().value()).isEqualTo(503);
        assertThat(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
        assertThat(handler.databaseUnavailable(new QueryTimeoutException("slow")).getStatusCode().value())
                .isEqualTo(503);
    }

    @Test
    void unexpectedErrorsLeakNothing() {
        ProblemDetail p = problem(handler.unexpected(new IllegalStateException("secret internals")));

        assertThat(p.getStatus()).isEqualTo(500);
        assertThat(code(p)).isEqualTo("internal_error");
        assertThat(p.getDetail()).doesNotContain("secret");
    }
}
