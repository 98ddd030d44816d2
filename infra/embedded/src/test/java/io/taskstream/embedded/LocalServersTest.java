package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LocalServersTest {

    @Test
    void nothingSetMeansEverythingEmbedded() {
        LocalServers local = LocalServers.fromEnvironment(Map.<String, String>of()::get);
        assertThat(local).isEqualTo(LocalServers.NONE);
        assertThat(local.localDatabase()).isFalse();
        assertThat(local.localRedis()).isFalse();
    }

    @Test
    void readsTheVariablesWithDefaults() {
        LocalServers local = LocalServers.fromEnvironment(Map.of(
                "TASKSTREAM_TEST_DB_URL", " jdbc:postgresql://127.0.0.1:5432/test ",
                "TASKSTREAM_TEST_REDIS_URL", "redis://127.0.0.1:6379")::get);
        assertThat(local.jdbcUrl()).contains("jdbc:postgresql://127.0.0.1:5432/test");
        assertThat(local.dbUser()).isEqualTo("postgres");
        assertThat(local.dbPassword()).isEmpty();
        assertThat(local.redisUrl()).contains("redis://127.0.0.1:6379");
        assertThat(local.localDatabase()).isTrue();
        assertThat(local.localRedis()).isTrue();
    }

    @Test
    void userAndPasswordOverrideTheDefaultsAndBlankMeansUnset() {
        LocalServers local = LocalServers.fromEnvironment(Map.of(
                "TASKSTREAM_TEST_DB_URL", "jdbc:postgresql://db/app",
                "TASKSTREAM_TEST_DB_USER", "app",
                "TASKSTREAM_TEST_DB_PASSWORD", "pw",
                "TASKSTREAM_TEST_REDIS_URL", "  ")::get);
        assertThat(local.dbUser()).isEqualTo("app");
        assertThat(local.dbPassword()).isEqualTo("pw");
        assertThat(local.redisUrl()).isEmpty();
    }

    @Test
    void rejectsUrlsOfTheWrongKindNamingTheVariable() {
        assertThatThrownBy(() -> LocalServers.fromEnvironment(Map.of("TASKSTREAM_TEST_DB_URL", "postgres://h/db")::get))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TASKSTREAM_TEST_DB_URL");
        assertThatThrownBy(() -> LocalServers.fromEnvironment(Map.of("TASKSTREAM_TEST_REDIS_URL", "127.0.0.1:6379")::get))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TASKSTREAM_TEST_REDIS_URL");
        assertThatThrownBy(() -> new LocalServers(Optional.empty(), "u", "", Optional.of("redis://")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unreachableLocalServersFailFastNamingTheVariable() {
        int closed = FreePorts.find();
        assertThatThrownBy(() -> EmbeddedInfrastructure.checkLocal(LocalServers.fromEnvironment(
                Map.of("TASKSTREAM_TEST_REDIS_URL", "redis://127.0.0.1:" + closed)::get)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("TASKSTREAM_TEST_REDIS_URL");
        assertThatThrownBy(() -> EmbeddedInfrastructure.checkLocal(LocalServers.fromEnvironment(
                Map.of("TASKSTREAM_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:" + closed + "/x")::get)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("TASKSTREAM_TEST_DB_URL");
        EmbeddedInfrastructure.checkLocal(LocalServers.NONE);
    }

    @Test
    void aGivenKafkaMustBeHostPortPairs() {
        assertThat(LocalServers.NONE.localKafka()).isFalse();
        LocalServers given = new LocalServers(Optional.empty(), "u", "", Optional.empty(),
                Optional.of("kafka-1:9092,kafka-2:9092"));
        assertThat(given.localKafka()).isTrue();
        assertThatThrownBy(() -> new LocalServers(Optional.empty(), "u", "", Optional.empty(), Optional.of("kafka")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TASKSTREAM_KAFKA_BOOTSTRAP");
    }
}
