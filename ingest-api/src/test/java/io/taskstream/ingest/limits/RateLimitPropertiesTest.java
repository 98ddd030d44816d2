package io.taskstream.ingest.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RateLimitPropertiesTest {

    static RateLimitProperties properties(int perMinute, int burst, Map<EndpointGroup, RateLimitProperties.GroupDefault> groups) {
        return new RateLimitProperties(true, perMinute, burst, groups, "taskstream:ratelimit:", Duration.ofMillis(200),
                Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    @Test
    void everyGroupGetsTheGlobalDefaultsUnlessItHasItsOwn() {
        RateLimitProperties properties = properties(6000, 1000, Map.of(
                EndpointGroup.ADMIN, new RateLimitProperties.GroupDefault(600, null),
                EndpointGroup.QUERY, new RateLimitProperties.GroupDefault(null, 50)));

        assertThat(properties.defaultFor(EndpointGroup.SUBMIT)).isEqualTo(new Limit(6000, 1000));
        assertThat(properties.defaultFor(EndpointGroup.ADMIN)).isEqualTo(new Limit(600, 1000));
        assertThat(properties.defaultFor(EndpointGroup.QUERY)).isEqualTo(new Limit(6000, 50));
        assertThat(properties(6000, 1000, null).defaultFor(EndpointGroup.QUERY)).isEqualTo(new Limit(6000, 1000));
    }

    @Test
    void aWrongValueStopsTheStartNamingTheProperty() {
        assertThatThrownBy(() -> properties(0, 1000, null)).hasMessage(
                "taskstream.ingest.rate-limit.requests-per-minute must be between 1 and 60000000, not 0");
        assertThatThrownBy(() -> properties(6000, 20_000_000, null)).hasMessage(
                "taskstream.ingest.rate-limit.burst must be between 1 and 10000000, not 20000000");
        assertThatThrownBy(() -> properties(6000, 1000, Map.of(EndpointGroup.SUBMIT,
                new RateLimitProperties.GroupDefault(null, -1)))).hasMessage(
                "taskstream.ingest.rate-limit.groups.submit.burst must be between 1 and 10000000, not -1");
        assertThatThrownBy(() -> new RateLimitProperties(true, 1, 1, null, " ", Duration.ofMillis(200),
                Duration.ofSeconds(5), Duration.ofSeconds(5))).hasMessageContaining("key-prefix");
        assertThatThrownBy(() -> new RateLimitProperties(true, 1, 1, null, "p:", Duration.ZERO,
                Duration.ofSeconds(5), Duration.ofSeconds(5))).hasMessageContaining("redis-timeout");
        assertThatThrownBy(() -> new RateLimitProperties(true, 1, 1, null, "p:", Duration.ofMillis(1),
                null, Duration.ofSeconds(5))).hasMessageContaining("breaker-open-duration");
        assertThatThrownBy(() -> new RateLimitProperties(true, 1, 1, null, "p:", Duration.ofMillis(1),
                Duration.ofSeconds(5), Duration.ofSeconds(-5))).hasMessageContaining("tenant-cache-ttl");
    }

    @Test
    void aLimitIsBounded() {
        assertThatThrownBy(() -> new Limit(0, 1)).hasMessageContaining("requestsPerMinute");
        assertThatThrownBy(() -> new Limit(1, 0)).hasMessageContaining("burst");
    }
}
