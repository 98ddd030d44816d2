package io.taskstream.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.taskstream.embedded.TcpProxy;
import io.taskstream.lock.internal.Script;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Leases while the Redis under them crashes and comes back: each test kills and restarts a
 * {@code redis-server} of its own on the same port. Lettuce reconnects by itself; the manager's
 * command timeout bounds every call made meanwhile.
 */
class RedisRestartIT {

    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(300);

    private RedisServerProcess server;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    private LeaseManager manager;
    private final List<LossReason> told = new CopyOnWriteArrayList<>();

    private void start(RedisServerProcess redis) {
        server = redis;
        client = RedisClient.create(server.url());
        connection = client.connect();
        manager = LeaseManager.builder(client).commandTimeout(COMMAND_TIMEOUT).build();
    }

    private RedisCommands<String, String> redis() {
        return connection.sync();
    }

    private void awaitReconnected() {
        await("Lettuce reconnected").atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> "PONG".equals(redis().ping()));
    }

    @AfterEach
    void stop() {
        if (manager != null) {
            manager.close();
        }
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            client.shutdown();
        }
        if (server != null) {
            server.close();
        }
    }

    /**
     * Why lost and not resumed: a Redis without persistence comes back empty, so the lease key is
     * gone, and a missing key is indistinguishable from one that expired and was taken and released
     * by someone else. Renewing (re-creating) it could overlap another holder, so the compare in the
     * renew script fails and the holder is told {@link LossReason#TAKEN_OVER}.
     */
    @Test
    void aHolderIsToldItsLeaseIsLostWhenRedisRestartsWithoutItsData() {
        start(RedisServerProcess.startVolatile());
        Duration ttl = Duration.ofSeconds(3);
        Lease lease = manager.tryAcquire("task-1", ttl, "worker-a", (l, reason) -> told.add(reason)).orElseThrow();

        server.restart();

        await().atMost(ttl.multipliedBy(2)).until(() -> lease.lost().toCompletableFuture().isDone());
        assertThat(told).containsExactly(LossReason.TAKEN_OVER);
        assertThat(lease.isValid()).isFalse();

        awaitReconnected();
        Lease successor = manager.tryAcquire("task-1", ttl, "worker-b").orElseThrow();
        assertThat(successor.fencingToken())
                .as("tokens keep growing although the fence key was lost with the data")
                .isGreaterThan(lease.fencingToken());
        assertThat(lease.release()).isFalse();
        assertThat(redis().get(manager.leaseKey("task-1"))).isEqualTo("worker-b:" + successor.fencingToken());
    }

    /**
     * The window the token closes: until the holder's next renewal it cannot know that a restart
     * lost its key, so a successor can acquire meanwhile, and for that moment both believe they
     * hold the lease. The successor's token is higher, so wherever results are accepted the stale
     * holder's is recognised; and the stale holder's next renewal tells it.
     */
    @Test
    void aSuccessorAfterADataLosingRestartOutranksAHolderThatHasNotNoticedYet() {
        start(RedisServerProcess.startVolatile());
        LeaseManager manual = LeaseManager.builder(client).autoRenew(false).commandTimeout(COMMAND_TIMEOUT).build();
        try {
            Lease lease = manual.tryAcquire("task-1", Duration.ofSeconds(30), "worker-a", (l, reason) -> told.add(reason))
                    .orElseThrow();

            server.restart();
            awaitReconnected();
            Lease successor = manager.tryAcquire("task-1", Duration.ofSeconds(30), "worker-b").orElseThrow();

            assertThat(lease.isValid()).as("not noticed before its next renewal").isTrue();
            assertThat(successor.fencingToken()).isGreaterThan(lease.fencingToken());
            await("manual's connection is back").atMost(Duration.ofSeconds(10)).ignoreExceptions()
                    .until(() -> !lease.renew());
            assertThat(told).containsExactly(LossReason.TAKEN_OVER);
            assertThat(redis().get(manager.leaseKey("task-1"))).isEqualTo("worker-b:" + successor.fencingToken());
        } finally {
            manual.close();
        }
    }

    /**
     * Redis down for longer than the TTL: renewals fail, and the holder is told
     * {@link LossReason#EXPIRED} when its TTL has run out on the local clock, that is before Redis
     * could hand the lease to anyone else. Tokens handed out after Redis is back are higher.
     */
    @Test
    void aHolderIsToldItsLeaseExpiredWhenRedisStaysDownLongerThanTheTtl() {
        start(RedisServerProcess.startVolatile());
        Duration ttl = Duration.ofSeconds(1);
        Lease lease = manager.tryAcquire("task-1", ttl, "worker-a", (l, reason) -> told.add(reason)).orElseThrow();

        server.kill();

        await().atMost(ttl.multipliedBy(3)).until(() -> lease.lost().toCompletableFuture().isDone());
        assertThat(told).containsExactly(LossReason.EXPIRED);
        assertThat(lease.isValid()).isFalse();

        server.start();
        awaitReconnected();
        Lease successor = manager.tryAcquire("task-1", ttl, "worker-b").orElseThrow();
        assertThat(successor.fencingToken()).isGreaterThan(lease.fencingToken());
        assertThat(told).as("told once").hasSize(1);
    }

    /**
     * Why resumed: a Redis that wrote the lease to its append-only file comes back with the key,
     * its absolute expiry and the holder's value, so the next renewal's compare succeeds.
     */
    @Test
    void renewalResumesWhenAPersistentRedisComesBackWithinTheTtl() {
        start(RedisServerProcess.startPersistent());
        Duration ttl = Duration.ofSeconds(2);
        Lease lease = manager.tryAcquire("task-1", ttl, "worker-a", (l, reason) -> told.add(reason)).orElseThrow();
        String value = "worker-a:" + lease.fencingToken();

        server.restart();

        await().during(ttl.multipliedBy(2)).atMost(ttl.multipliedBy(3)).pollInterval(Duration.ofMillis(50))
                .until(lease::isValid);
        awaitReconnected();
        assertThat(redis().get(manager.leaseKey("task-1"))).isEqualTo(value);
        assertThat(told).isEmpty();
        assertThat(lease.release()).isTrue();
    }

    /**
     * A network partition with Redis still running: calls fail within the command timeout instead
     * of waiting in Lettuce's reconnect buffer, and the ones that timed out are cancelled there, so
     * an acquire the caller was told failed is not sent (and would not take the lease) once the
     * connection is back.
     */
    @Test
    void whileRedisIsUnreachableEveryCallFailsWithinTheCommandTimeout() {
        start(RedisServerProcess.startVolatile());
        try (TcpProxy proxy = new TcpProxy(server.port())) {
            RedisClient viaProxy = RedisClient.create(proxy.url());
            LeaseManager manual = LeaseManager.builder(viaProxy).autoRenew(false).commandTimeout(COMMAND_TIMEOUT).build();
            try {
                Lease lease = manual.tryAcquire("task-1", Duration.ofSeconds(30), "worker-a").orElseThrow();

                proxy.cut();

                assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
                    assertThatThrownBy(() -> manual.tryAcquire("task-2", Duration.ofSeconds(30), "worker-a"))
                            .isInstanceOf(LeaseException.class)
                            .hasMessageContaining("did not answer the acquire of lease 'task-2' within 300 ms");
                    assertThatThrownBy(lease::renew).isInstanceOf(LeaseException.class);
                    assertThatThrownBy(lease::release).isInstanceOf(LeaseException.class);
                });

                proxy.connect();
                await("reconnected through the proxy").atMost(Duration.ofSeconds(10)).ignoreExceptions()
                        .until(() -> manual.tryAcquire("task-3", Duration.ofSeconds(30), "worker-a").isPresent());
                assertThat(redis().exists(manual.leaseKey("task-2")))
                        .as("the timed-out acquire was cancelled, not sent once the connection came back")
                        .isZero();
                assertThat(redis().get(manual.leaseKey("task-1")))
                        .as("the failed release left the key to expire")
                        .isEqualTo("worker-a:" + lease.fencingToken());
            } finally {
                manual.close();
                viaProxy.shutdown();
            }
        }
    }

    @Test
    void scriptsLostInARestartAreSentAgainAfterNoscript() {
        start(RedisServerProcess.startVolatile());
        assertThat(redis().scriptExists(Script.ACQUIRE.sha())).containsExactly(true);

        server.restart();
        awaitReconnected();
        assertThat(redis().scriptExists(Script.ACQUIRE.sha())).containsExactly(false);

        Optional<Lease> lease = manager.tryAcquire("task-1", Duration.ofSeconds(10), "worker-a");

        assertThat(lease).isPresent();
        assertThat(redis().scriptExists(Script.ACQUIRE.sha())).containsExactly(true);
        assertThat(lease.get().release()).isTrue();
    }
}
