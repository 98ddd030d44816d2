package io.taskstream.ingest.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Violation;
import tools.jackson.databind.node.ObjectNode;

class TenantLimitsRequestTest {

    static final RateLimitProperties DEFAULTS = new RateLimitProperties(true, 6000, 1000,
            Map.of(EndpointGroup.ADMIN, new RateLimitProperties.GroupDefault(600, 100)), "p:", Duration.ofMillis(200),
            Duration.ofSeconds(5), Duration.ofSeconds(5));

    static TenantOverrides parse(String json) {
        return TenantLimitsRequest.of((ObjectNode) Json.mapper().readTree(json));
    }

    @Test
    void aTenantLimitAndGroupLimitsResolveGroupFirstThenTenantThenConfiguration() {
        TenantOverrides overrides = parse("""
                {"requestsPerMinute": 12000, "burst": 2000, "groups": {"submit": {"requestsPerMinute": 600, "burst": 10}}}""");

        assertThat(overrides.effective(EndpointGroup.SUBMIT, DEFAULTS)).isEqualTo(new Limit(600, 10));
        assertThat(overrides.effective(EndpointGroup.QUERY, DEFAULTS)).isEqualTo(new Limit(12000, 2000));
        assertThat(overrides.effective(EndpointGroup.ADMIN, DEFAULTS)).isEqualTo(new Limit(12000, 2000));

        TenantOverrides groupOnly = parse("{\"groups\": {\"query\": {\"requestsPerMinute\": 60, \"burst\": 1}}}");
        assertThat(groupOnly.effective(EndpointGroup.ADMIN, DEFAULTS)).isEqualTo(new Limit(600, 100));
        assertThat(groupOnly.effective(EndpointGroup.SUBMIT, DEFAULTS)).isEqualTo(new Limit(6000, 1000));

        assertThat(parse("{}").isEmpty()).isTrue();
        assertThat(parse("{\"requestsPerMinute\": null, \"burst\": null, \"groups\": null}").isEmpty()).isTrue();
    }

    @Test
    void theViewShowsWhatWasSetAndWhatApplies() {
        TenantLimitsView view = TenantLimitsView.of("acme", parse(
                "{\"groups\": {\"admin\": {\"requestsPerMinute\": 60, \"burst\": 1}}}"), DEFAULTS);

        assertThat(view.requestsPerMinute()).isNull();
        assertThat(view.groups()).containsExactly(Map.entry("admin", new Limit(60, 1)));
        assertThat(view.effective()).containsExactly(Map.entry("submit", new Limit(6000, 1000)),
                Map.entry("query", new Limit(6000, 1000)), Map.entry("admin", new Limit(60, 1)));
    }

    @Test
    void everyProblemIsNamed() {
        assertThatThrownBy(() -> parse("""
                {"burst": "many", "groups": {"admin": 5, "query": {"requestsPerMinute": 60000001, "burst": 1}}}"""))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.errors()).extracting(Violation::field)
                        .containsExactly("burst", "requestsPerMinute", "groups.admin", "groups.query.requestsPerMinute"));
        assertThatThrownBy(() -> parse("{\"groups\": \"all\"}"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.errors()).extracting(Violation::field)
                        .containsExactly("groups"));
    }
}
