package io.taskstream.ingest.errors;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.RequestDispatcher;

import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;

class ProblemErrorControllerTest {

    private final ProblemErrorController controller = new ProblemErrorController();

    @Test
    void containerErrorsBecomeProblems() {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/error");
        request.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, 400);

        ResponseEntity<Object> response = controller.error(request);

        assertThat(response.getStatusCode().value()).isEqualTo(400);
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(((ProblemDetail) response.getBody()).getProperties()).containsEntry("code", "malformed_request");
    }

    @Test
    void anEscapedApiExceptionKeepsItsCode() {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/error");
        request.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, 500);
        request.setAttribute(RequestDispatcher.ERROR_EXCEPTION, new ApiException(ErrorCode.FORBIDDEN, "no"));

        ResponseEntity<Object> response = controller.error(request);

        assertThat(response.getStatusCode().value()).isEqualTo(403);
        assertThat(((ProblemDetail) response.getBody()).getProperties()).containsEntry("code", "forbidden");
    }

    @Test
    void withoutAStatusItIsAnInternalError() {
        ResponseEntity<Object> response = controller.error(new MockHttpServletRequest("GET", "/error"));

        assertThat(response.getStatusCode().value()).isEqualTo(500);
        assertThat(((ProblemDetail) response.getBody()).getDetail()).isEqualTo("an unexpected error occurred");
    }
}
