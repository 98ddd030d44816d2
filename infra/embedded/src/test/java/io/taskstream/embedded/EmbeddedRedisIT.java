package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedRedisIT {

    @TempDir
    Path runDir;

    @Test
    void setAndGetThroughLettuceThenStopsOnClose() throws Exception {
        int port;
        long pid;
        try (EmbeddedRedis redis = EmbeddedRedis.start(new ProcessRegistry(runDir))) {
            port = redis.port();
            pid = redis.pid();
            assertThat(redis.url()).isEqualTo("redis://127.0.0.1:" + port);
            assertThat(redis.startupTime()).isPositive();
            assertThat(FreePorts.accepts("127.0.0.1", port)).as("redis port while running").isTrue();
            RedisClient client = RedisClient.create(redis.url());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                connection.sync().set("greeting", "hello");
                assertThat(connection.sync().get("greeting")).isEqualTo("hello");
                // nothing is persisted
                assertThat(connection.sync().configGet("save")).containsEntry("save", "");
                assertThat(connection.sync().configGet("appendonly")).containsEntry("appendonly", "no");
            } finally {
                client.shutdown();
            }
        }
        assertThat(FreePorts.accepts("127.0.0.1", port)).as("redis port after close").isFalse();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(Dirs.entries(runDir.resolve("pids"))).isEmpty();
    }

    @Test
    void aServerCanBeStartedAgainOnThePortOfOneThatStopped() throws Exception {
        int port;
        try (EmbeddedRedis first = EmbeddedRedis.start(new ProcessRegistry(runDir))) {
            port = first.port();
        }
        assertThat(FreePorts.accepts("127.0.0.1", port)).as("stopped").isFalse();

        try (EmbeddedRedis again = EmbeddedRedis.startOn(port)) {
            assertThat(again.port()).isEqualTo(port);
            assertThat(again.url()).isEqualTo("redis://127.0.0.1:" + port);
            assertThat(Resp.ping("127.0.0.1", port, 1000)).isEqualTo("+PONG");
        }
    }

    @Test
    void prefersRedisServerOnPath(@TempDir Path bin) throws Exception {
        Path fake = Files.createFile(bin.resolve("redis-server"));
        fake.toFile().setExecutable(true);
        assertThat(EmbeddedRedis.findBinary(Map.of("PATH", "/nonexistent:" + bin)::get)).isEqualTo(fake);
        assertThat(EmbeddedRedis.onPath(null)).isEmpty();
        assertThat(EmbeddedRedis.onPath(":" + bin.resolve("nothing-here"))).isEmpty();
    }

    @Test
    void fallsBackToTheBundledBinaryWithoutPath() throws Exception {
        Path bundled = EmbeddedRedis.findBinary(Map.<String, String>of()::get);
        assertThat(bundled.getFileName().toString()).startsWith("redis-server-");
        try (EmbeddedRedis redis = EmbeddedRedis.start(new ProcessRegistry(runDir), bundled)) {
            assertThat(redis.binary()).isEqualTo(bundled);
            assertThat(Resp.ping("127.0.0.1", redis.port(), 1000)).isEqualTo("+PONG");
        }
    }

    @Test
    void reportsABinaryThatDoesNotStart(@TempDir Path bin) throws Exception {
        Path broken = bin.resolve("redis-server");
        Files.writeString(broken, "#!/bin/sh\necho 'cannot start' >&2\nexit 3\n");
        broken.toFile().setExecutable(true);
        assertThatThrownBy(() -> EmbeddedRedis.start(new ProcessRegistry(runDir), broken))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("redis-server did not start")
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(3)
                        .allSatisfy(s -> assertThat(s).hasMessageContaining("cannot start")));
        assertThat(Dirs.entries(runDir.resolve("pids"))).isEmpty();
    }
}
