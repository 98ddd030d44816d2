package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InfrastructureTest {

    private final Infrastructure infra = new Infrastructure("localhost:9092",
            "jdbc:postgresql://127.0.0.1:5432/test?sslmode=disable", "postgres", "secret", "redis://127.0.0.1:6379");

    @Test
    void springPropertiesNameEveryEndpointInOrder() {
        assertThat(infra.springProperties()).containsExactly(
                java.util.Map.entry("spring.kafka.bootstrap-servers", "localhost:9092"),
                java.util.Map.entry("spring.datasource.url", "jdbc:postgresql://127.0.0.1:5432/test?sslmode=disable"),
                java.util.Map.entry("spring.datasource.username", "postgres"),
                java.util.Map.entry("spring.datasource.password", "secret"),
                java.util.Map.entry("spring.data.redis.url", "redis://127.0.0.1:6379"));
        assertThatThrownBy(() -> infra.springProperties().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void withDatabaseKeepsEverythingElse() {
        Infrastructure other = infra.withDatabase("ts_other_0123");
        assertThat(other.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/ts_other_0123?sslmode=disable");
        assertThat(other.database()).isEqualTo("ts_other_0123");
        assertThat(infra.database()).isEqualTo("test");
        assertThat(other.kafkaBootstrap()).isEqualTo(infra.kafkaBootstrap());
        assertThat(other.redisUrl()).isEqualTo(infra.redisUrl());
        assertThat(other.dbPassword()).isEqualTo("secret");
    }

    @Test
    void toStringHidesThePassword() {
        assertThat(infra.toString()).doesNotContain("secret").contains("****").contains("localhost:9092");
        assertThat(infra.withDatabase("x").toString()).contains("/x?");
        assertThat(new Infrastructure("k", "jdbc:postgresql://h/d", "u", "", "redis://h").toString())
                .contains("dbPassword=,");
    }

    @Test
    void rejectsMissingValues() {
        assertThatThrownBy(() -> new Infrastructure("k", "j", "u", null, "r")).isInstanceOf(NullPointerException.class)
                .hasMessage("dbPassword");
    }
}
