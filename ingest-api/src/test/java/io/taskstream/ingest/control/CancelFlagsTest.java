package io.taskstream.ingest.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

/** The cancel flag's failure mode; setting it for real is covered by {@code TaskControlIT}. */
class CancelFlagsTest {

    private LettuceConnectionFactory factory;

    @AfterEach
    void tearDown() {
        if (factory != null) {
            factory.destroy();
        }
    }

    @Test
    void theKeyIsThePrefixAndTheTaskId() {
        UUID id = UUID.fromString("0193a8f0-0000-7000-8000-000000000001");

        assertThat(new CancelFlags(null, "taskstream:cancel:", Duration.ofDays(7), Duration.ofSeconds(5)).key(id))
                .isEqualTo("taskstream:cancel:0193a8f0-0000-7000-8000-000000000001");
    }

    @Test
    void anUnreachableRedisIsAQuickDependencyProblem() {
        factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", ItSupport.unusedPort()),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofMillis(500)).build());
        factory.afterPropertiesSet();
        factory.start();
        CancelFlags flags = new CancelFlags(new StringRedisTemplate(factory), "taskstream:cancel:",
                Duration.ofDays(7), Duration.ofSeconds(4));
        long start = System.nanoTime();

        assertThatThrownBy(() -> flags.set(UUID.randomUUID(), Instant.parse("2026-11-28T10:00:00Z")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(4));
                    assertThat(e.getMessage()).contains("Redis");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
}
