package io.taskstream.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class DevSettingsTest {

    private static final Path DIR = Path.of("/tmp/ts");

    @Test
    void defaultsToPort8080AndARandomKeyOfTheContractsFormat() {
        DevSettings settings = DevSettings.fromEnvironment(Map.<String, String>of()::get, DIR, new Random(1));
        assertThat(settings.httpPort()).isEqualTo(8080);
        assertThat(settings.adminKey()).matches(DevSettings.KEY_FORMAT).startsWith("ts_dev");
        assertThat(settings.kafkaBootstrap()).isEmpty();
        assertThat(settings.dbUrl()).isEmpty();
        assertThat(settings.redisUrl()).isEmpty();
        assertThat(settings.partitions()).isEqualTo(3);
        assertThat(settings.worker()).isTrue();
        assertThat(DevSettings.fromEnvironment(Map.<String, String>of()::get, DIR, new Random(2)).adminKey())
                .isNotEqualTo(settings.adminKey());
    }

    @Test
    void theBenchmarkCanAskForMorePartitionsAndNoWorker() {
        DevSettings settings = DevSettings.fromEnvironment(Map.of("TASKSTREAM_DEV_PARTITIONS", "12",
                "TASKSTREAM_DEV_WORKER", "false")::get, DIR, new Random(1));
        assertThat(settings.partitions()).isEqualTo(12);
        assertThat(settings.worker()).isFalse();
        for (String wrong : new String[] {"0", "65", "many"}) {
            assertThatThrownBy(() -> DevSettings.fromEnvironment(Map.of("TASKSTREAM_DEV_PARTITIONS", wrong)::get, DIR,
                    new Random(1))).hasMessage("TASKSTREAM_DEV_PARTITIONS must be a whole number from 1 to 64, got "
                            + wrong);
        }
        assertThatThrownBy(() -> DevSettings.fromEnvironment(Map.of("TASKSTREAM_DEV_WORKER", "no")::get, DIR,
                new Random(1))).hasMessage("TASKSTREAM_DEV_WORKER must be true or false, got no");
    }

    @Test
    void honoursThePinnedPortKeyAndEndpoints() {
        String key = "ts_mine_" + "x".repeat(32);
        DevSettings settings = DevSettings.fromEnvironment(Map.of(
                "TASKSTREAM_HTTP_PORT", "9090",
                "TASKSTREAM_DEV_ADMIN_KEY", key,
                "TASKSTREAM_KAFKA_BOOTSTRAP", "k:9092",
                "TASKSTREAM_DB_URL", "jdbc:postgresql://db:5432/x",
                "TASKSTREAM_DB_USER", "u",
                "TASKSTREAM_DB_PASSWORD", "p",
                "TASKSTREAM_REDIS_URL", "redis://r:6379")::get, DIR, new Random(1));
        assertThat(settings.httpPort()).isEqualTo(9090);
        assertThat(settings.adminKey()).isEqualTo(key);
        assertThat(settings.kafkaBootstrap()).contains("k:9092");
        assertThat(settings.dbUrl()).contains("jdbc:postgresql://db:5432/x");
        assertThat(settings.dbUser()).isEqualTo("u");
        assertThat(settings.dbPassword()).isEqualTo("p");
        assertThat(settings.redisUrl()).contains("redis://r:6379");
    }

    @Test
    void refusesABadPortOrKeyWithTheVariablesName() {
        assertThatThrownBy(() -> DevSettings.fromEnvironment(Map.of("TASKSTREAM_HTTP_PORT", "http")::get, DIR,
                new Random(1))).hasMessageContaining("TASKSTREAM_HTTP_PORT");
        assertThatThrownBy(() -> DevSettings.fromEnvironment(Map.of("TASKSTREAM_HTTP_PORT", "70000")::get, DIR,
                new Random(1))).hasMessageContaining("TASKSTREAM_HTTP_PORT");
        assertThatThrownBy(() -> DevSettings.fromEnvironment(Map.of("TASKSTREAM_DEV_ADMIN_KEY", "ts_a_short")::get,
                DIR, new Random(1))).hasMessageContaining("TASKSTREAM_DEV_ADMIN_KEY");
    }
}
