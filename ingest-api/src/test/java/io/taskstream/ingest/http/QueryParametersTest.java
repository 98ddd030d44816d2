package io.taskstream.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.schemas.Violation;

class QueryParametersTest {

    private static MultiValueMap<String, String> query(String... nameValuePairs) {
        MultiValueMap<String, String> query = new LinkedMultiValueMap<>();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            query.add(nameValuePairs[i], nameValuePairs[i + 1]);
        }
        return query;
    }

    @Test
    void knownParametersAreReadOnceAndEmptyOnesCountAsAbsent() {
        assertThat(QueryParameters.single(query("limit", "5", "cursor", ""), List.of("limit", "cursor")))
                .isEqualTo(Map.of("limit", "5"));
    }

    @Test
    void unknownAndRepeatedParametersAreRefusedTogether() {
        assertThatThrownBy(() -> QueryParameters.single(query("colour", "red", "from", "a", "from", "b"),
                List.of("from"))).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.errors())
                        .containsExactlyInAnyOrder(new Violation("colour", "unknown parameter; supported: from"),
                                new Violation("from", "must be given at most once")));
    }

    @Test
    void anInstantMayHaveAnOffset() {
        assertThat(QueryParameters.instant("2027-03-28T03:00:00+02:00", "from"))
                .isEqualTo(Instant.parse("2027-03-28T01:00:00Z"));
        assertThatThrownBy(() -> QueryParameters.instant("2027-03-28", "from"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.errors()).singleElement()
                        .satisfies(v -> assertThat(v.field()).isEqualTo("from")));
    }

    @Test
    void aLimitIsANumberOrAbsent() {
        assertThat(QueryParameters.limit(Map.of("limit", "20"))).isEqualTo(20);
        assertThat(QueryParameters.limit(Map.of())).isNull();
        assertThatThrownBy(() -> QueryParameters.limit(Map.of("limit", "twenty")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.errors()).singleElement()
                        .satisfies(v -> assertThat(v.field()).isEqualTo("limit")));
    }
}
