package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.taskstream.ingest.tasks.IdempotencyKeys.Claim;
import io.taskstream.ingest.tasks.IdempotencyKeys.Entry;
import io.taskstream.ingest.tasks.IdempotencyKeys.Settlement;

/** The entry format and the failure mode; reserving and settling for real are in {@code IdempotencyKeysIT}. */
class IdempotencyKeysTest {

    private LettuceConnectionFactory factory;

    @AfterEach
    void tearDown() {
        if (factory != null) {
            factory.destroy();
        }
    }

    @Test
    void anEntryReadsBackAsWritten() {
        byte[] hash = new byte[32];
        hash[0] = 1;
        hash[31] = (byte) 0xff;
        Entry reserved = Entry.reserved(UUID.fromString("0193a8f0-0000-7000-8000-000000000001"),
                Instant.parse("2026-11-28T10:00:00.123456Z"), hash);

        assertThat(reserved.encode()).isEqualTo("reserved|0193a8f0-0000-7000-8000-000000000001|"
                + "2026-11-28T10:00:00.123456Z|01" + "00".repeat(30) + "ff");
        Entry back = Entry.decode(reserved.accepted().encode());
        assertThat(back.state()).isEqualTo(IdempotencyKeys.State.ACCEPTED);
        assertThat(back.taskId()).isEqualTo(reserved.taskId());
        assertThat(back.createdAt()).isEqualTo(reserved.createdAt());
        assertThat(back.requestHash()).isEqualTo(hash);
        assertThatThrownBy(() -> Entry.decode("accepted|x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRedisKeyNamesTheTenantAndTheKey() {
        assertThat(IdempotencyKeys.redisKey("acme", "order:42")).isEqualTo("taskstream:idempotency:acme:order:42");
    }

    @Test
    void anUnreachableRedisIsUnavailableQuicklyAndSettlingIsBestEffort() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofMillis(500)).build());
        factory.afterPropertiesSet();
        factory.start();
        IdempotencyKeys keys = new IdempotencyKeys(new StringRedisTemplate(factory), Duration.ofSeconds(30),
                Duration.ofHours(24), Duration.ofMillis(500));
        Entry reservation = Entry.reserved(UUID.randomUUID(), Instant.parse("2026-11-28T10:00:00Z"), new byte[32]);
        long start = System.nanoTime();

        assertThatThrownBy(() -> keys.reserve("acme", List.of(new Claim("k", reservation))))
                .isInstanceOf(IdempotencyKeys.Unavailable.class);
        keys.settle("acme", List.of(new Settlement("k", reservation, null)));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not Lettuce's 60 s")
                .isLessThan(Duration.ofSeconds(5));
        assertThat(keys.reserve("acme", List.of())).isEmpty();
    }
}
