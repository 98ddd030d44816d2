package io.taskstream.ingest.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

/** The directory's failure modes; reading real heartbeats is covered by {@code WorkersApiIT}. */
class WorkerDirectoryTest {

    private LettuceConnectionFactory factory;

    @AfterEach
    void tearDown() {
        if (factory != null) {
            factory.destroy();
        }
    }

    WorkerDirectory unreachable() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofMillis(500)).build());
        factory.afterPropertiesSet();
        factory.start();
        return new WorkerDirectory(new StringRedisTemplate(factory), new WorkersProperties("taskstream:workers"),
                Clock.systemUTC(), Duration.ofSeconds(4));
    }

    @Test
    void anUnreachableRedisIsADependencyProblemWithRetryAfter() throws IOException {
        WorkerDirectory directory = unreachable();

        for (Runnable read : new Runnable[] {directory::list, () -> directory.get("w-1")}) {
            assertThatThrownBy(read::run).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
                assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(4));
                assertThat(e.getMessage()).contains("Redis");
            });
        }
    }

    @Test
    void anIdNoWorkerCouldHaveIsNotFoundWithoutAskingRedis() throws IOException {
        WorkerDirectory directory = unreachable();

        assertThatThrownBy(() -> directory.get("no such:worker"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void theKeyMustBeUsable() {
        assertThatThrownBy(() -> new WorkersProperties(" "))
                .hasMessage("taskstream.ingest.workers.key must not be blank or contain spaces");
        assertThat(new WorkersProperties("billing:workers").workerKey("w-1")).isEqualTo("billing:workers:w-1");
    }
}
