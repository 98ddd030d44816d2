package io.taskstream.ingest.errors;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

class ErrorCodeTest {

    @ParameterizedTest
    @CsvSource({"400, malformed_request", "401, unauthenticated", "403, forbidden", "404, not_found",
            "405, method_not_allowed", "406, not_acceptable", "408, request_timeout", "409, conflict",
            "413, payload_too_large", "415, unsupported_media_type", "429, rate_limited", "431, request_header_fields_too_large",
            "499, client_error", "500, internal_error", "502, internal_error", "503, dependency_unavailable"})
    void everyStatusHasAStableCode(int status, String code) {
        assertThat(ErrorCode.codeFor(status)).isEqualTo(code);
    }

    @Test
    void contractCodesAreSnakeCase() {
        assertThat(ErrorCode.IDEMPOTENCY_CONFLICT.code()).isEqualTo("idempotency_conflict");
        assertThat(ErrorCode.PAYLOAD_TOO_LARGE.status().value()).isEqualTo(413);
        assertThat(ErrorCode.QUEUE_FULL.type().toString()).isEqualTo("https://taskstream.io/problems/queue_full");
    }

    @Test
    void decoratingABareStatusProblemCompletesIt() {
        ProblemDetail p = Problems.decorate(ProblemDetail.forStatusAndDetail(HttpStatusCode.valueOf(408), "slow"));

        assertThat(p.getProperties()).containsEntry("code", "request_timeout");
        assertThat(p.getTitle()).isEqualTo("Request Timeout");
        assertThat(p.getType().toString()).isEqualTo("https://taskstream.io/problems/request_timeout");
        assertThat(p.getDetail()).isEqualTo("slow");
    }

    @Test
    void decoratingKeepsAChosenCode() {
        ProblemDetail bare = ProblemDetail.forStatus(400);
        bare.setProperty("code", "validation_failed");

        ProblemDetail p = Problems.decorate(bare);

        assertThat(p.getTitle()).isEqualTo("Validation failed");
        assertThat(p.getType().toString()).endsWith("/validation_failed");
    }

    @Test
    void retryAfterRoundsUpToWholeSeconds() {
        assertThat(Problems.retryAfterSeconds(java.time.Duration.ofMillis(1))).isEqualTo("1");
        assertThat(Problems.retryAfterSeconds(java.time.Duration.ofSeconds(5))).isEqualTo("5");
        assertThat(Problems.retryAfterSeconds(java.time.Duration.ofMillis(5001))).isEqualTo("6");
    }
}
