package io.taskstream.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Violation;

class JsonBodiesTest {

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anObjectIsReadAndItsUnknownFieldsNamedInOrder() {
        var body = JsonBodies.parseObject(bytes("{\"b\": 1, \"a\": 2, \"known\": 3}"));

        assertThat(JsonBodies.unknownFields(body, Set.of("known"))).extracting(Violation::field)
                .containsExactly("b", "a");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "{", "{\"a\": 1} trailing", "{\"a\": 1, \"a\": 2}", "nope"})
    void whatIsNotOneJsonValueIsMalformed(String body) {
        assertThatThrownBy(() -> JsonBodies.parseObject(bytes(body))).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_REQUEST));
    }

    @Test
    void nestingBeyondTheLimitIsMalformed() {
        String deep = "{\"a\": " + "[".repeat(Json.MAX_NESTING_DEPTH + 1) + "]".repeat(Json.MAX_NESTING_DEPTH + 1)
                + "}";

        assertThatThrownBy(() -> JsonBodies.parseObject(bytes(deep))).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_REQUEST));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "1", "\"text\"", "null"})
    void jsonThatIsNotAnObjectIsAValidationError(String body) {
        assertThatThrownBy(() -> JsonBodies.parseObject(bytes(body))).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED));
    }

    @Test
    void aNulCharacterAnywhereIsRefusedNamingWhereItIs() {
        for (String[] c : new String[][] {
                {"{\"a\": \"x\\u0000y\"}", "a"},
                {"{\"a\": {\"b\": [\"ok\", \"\\u0000\"]}}", "a.b[1]"},
                {"{\"a\": {\"k\\u0000\": 1}}", "a.k?"}}) {
            assertThatThrownBy(() -> JsonBodies.parseObject(c[0].getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.errors()).singleElement()
                            .satisfies(v -> assertThat(v.field()).isEqualTo(c[1])));
        }
    }
}
