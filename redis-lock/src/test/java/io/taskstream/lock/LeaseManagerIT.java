package io.taskstream.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.taskstream.lock.internal.Script;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Leases against a real Redis: {@code TASKSTREAM_TEST_REDIS_URL} when set, else a {@code redis-server}
 * child process of this class. Every test writes under its own key prefix.
 */
class LeaseManagerIT {

    private static RedisServerProcess server;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private static RedisCommands<String, String> redis;

    private final String prefix = "it:" + UUID.randomUUID() + ":";
    private final List<LeaseManager> managers = new ArrayList<>();
    private LeaseManager manager;

    @BeforeAll
    static void startRedis() {
        String url = System.getenv("TASKSTREAM_TEST_REDIS_URL");
        if (url == null || url.isBlank()) {
            server = RedisServerProcess.startVolatile();
            url = server.url();
        }
        client = RedisClient.create(url);
        connection = client.connect();
        redis = connection.sync();
    }

    @AfterAll
    static void stopRedis() {
        connection.close();
        client.shutdown();
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void createManager() {
        manager = manager(true);
    }

    @AfterEach
    void closeManagersAndDeleteKeys() {
        managers.forEach(LeaseManager::close);
        List<String> keys = redis.keys(prefix + "*"); // this test's keys only; fine on a test server
        if (!keys.isEmpty()) {
            redis.del(keys.toArray(String[]::new));
        }
    }

    private LeaseManager manager(boolean autoRenew) {
        LeaseManager created = LeaseManager.builder(client).keyPrefix(prefix).autoRenew(autoRenew).build();
        managers.add(created);
        return created;
    }

    @Test
    void anAcquiredLeaseIsStoredUnderItsKeyAndReleaseFreesTheResource() {
        Lease lease = manager.tryAcquire("task-1", Duration.ofSeconds(10), "worker-a").orElseThrow();

        assertThat(redis.get(prefix + "lease:{task-1}")).isEqualTo("worker-a:" + lease.fencingToken());
        assertThat(redis.get(prefix + "fence:{task-1}")).isEqualTo(Long.toString(lease.fencingToken()));
        assertThat(redis.pttl(prefix + "lease:{task-1}")).isBetween(1L, 10_000L);
        assertThat(redis.pttl(prefix + "fence:{task-1}"))
                .as("the fence key outlives the lease by the retention")
                .isGreaterThan(LeaseManager.DEFAULT_FENCE_RETENTION.toMillis());
        assertThat(lease.isValid()).isTrue();

        assertThat(lease.release()).isTrue();

        assertThat(redis.exists(prefix + "lease:{task-1}")).isZero();
        assertThat(lease.isValid()).isFalse();
        assertThat(manager.tryAcquire("task-1", Duration.ofSeconds(10), "worker-b")).isPresent();
    }

    @Test
    void aSecondAcquirerIsRefusedWhileTheLeaseIsHeld() {
        LeaseManager other = manager(true);
        Lease lease = manager.tryAcquire("task-1", Duration.ofSeconds(10), "worker-a").orElseThrow();

        assertThat(other.tryAcquire("task-1", Duration.ofSeconds(10), "worker-b")).isEmpty();
        assertThat(manager.tryAcquire("task-1", Duration.ofSeconds(10), "worker-a")).as("not re-entrant").isEmpty();

        assertThat(redis.get(prefix + "lease:{task-1}")).isEqualTo("worker-a:" + lease.fencingToken());
    }

    @Test
    void afterExpiryAnotherOwnerAcquiresWithAHigherFencingToken() {
        LeaseManager other = manager(false);
        Lease first = manager(false).tryAcquire("task-1", Duration.ofMillis(200), "worker-a").orElseThrow();

        Lease second = await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10))
                .until(() -> other.tryAcquire("task-1", Duration.ofSeconds(10), "worker-b"), Optional::isPresent)
                .orElseThrow();

        assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
        assertThat(first.isValid()).isFalse();
        assertThat(first.renew()).isFalse();
        assertThat(first.lossReason()).contains(LossReason.TAKEN_OVER);
    }

    @Test
    void twentyWorkersRacingForOneResourceNeverHoldItTogetherAndTokensOnlyGrow() throws Exception {
        LeaseManager racing = manager(false);
        int workers = 20;
        int acquisitionsWanted = 100;
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger mostHoldersAtOnce = new AtomicInteger();
        AtomicInteger acquisitions = new AtomicInteger();
        List<Long> tokensInOrder = new CopyOnWriteArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                String owner = "worker-" + i;
                done.add(CompletableFuture.runAsync(() -> {
                    awaitLatch(go);
                    while (acquisitions.get() < acquisitionsWanted) {
                        Optional<Lease> taken = racing.tryAcquire("hot-task", Duration.ofSeconds(5), owner);
                        if (taken.isEmpty()) {
                            continue;
                        }
                        try (Lease lease = taken.get()) {
                            int now = holders.incrementAndGet();
                            mostHoldersAtOnce.accumulateAndGet(now, Math::max);
                            tokensInOrder.add(lease.fencingToken());
                            acquisitions.incrementAndGet();
                            // a round trip to Redis while holding, so that overlapping holders would show
                            assertThat(lease.renew()).isTrue();
                            holders.decrementAndGet();
                        }
                    }
                }, pool));
            }
            go.countDown();
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        assertThat(mostHoldersAtOnce).hasValue(1);
        assertThat(tokensInOrder).hasSizeGreaterThanOrEqualTo(acquisitionsWanted);
        for (int i = 1; i < tokensInOrder.size(); i++) {
            assertThat(tokensInOrder.get(i)).as("token %d", i).isGreaterThan(tokensInOrder.get(i - 1));
        }
    }

    @Test
    void renewalKeepsALeaseAliveAcrossThreeTimesItsTtl() {
        LeaseManager other = manager(false);
        Duration ttl = Duration.ofMillis(500);
        Lease lease = manager.tryAcquire("task-1", ttl, "worker-a").orElseThrow();
        String value = "worker-a:" + lease.fencingToken();

        await().during(ttl.multipliedBy(3)).atMost(ttl.multipliedBy(5)).pollInterval(Duration.ofMillis(25))
                .until(() -> lease.isValid()
                        && value.equals(redis.get(prefix + "lease:{task-1}"))
                        && other.tryAcquire("task-1", ttl, "worker-b").isEmpty());

        assertThat(lease.lossReason()).isEmpty();
        assertThat(lease.release()).isTrue();
    }

    @Test
    void aHolderWhoseKeyWasTakenOverCannotReleaseTheNewHoldersLease() {
        LeaseManager other = manager(false);
        Lease stale = manager(false).tryAcquire("task-1", Duration.ofMillis(200), "worker-a").orElseThrow();
        Lease current = await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10))
                .until(() -> other.tryAcquire("task-1", Duration.ofSeconds(10), "worker-b"), Optional::isPresent)
                .orElseThrow();

        assertThat(stale.release()).isFalse();
        stale.close();

        assertThat(redis.get(prefix + "lease:{task-1}")).isEqualTo("worker-b:" + current.fencingToken());
        assertThat(current.isValid()).isTrue();
        assertThat(current.release()).isTrue();
    }

    @Test
    void theWatchdogTellsTheHolderWhenSomeoneElseOwnsTheKey() {
        List<LossReason> told = new CopyOnWriteArrayList<>();
        Lease lease = manager.tryAcquire("task-1", Duration.ofMillis(300), "worker-a", (l, reason) -> told.add(reason))
                .orElseThrow();

        redis.psetex(prefix + "lease:{task-1}", 10_000, "intruder:1");

        await().atMost(Duration.ofSeconds(3)).until(() -> lease.lost().toCompletableFuture().isDone());
        assertThat(told).containsExactly(LossReason.TAKEN_OVER);
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.release()).isFalse();
        assertThat(redis.get(prefix + "lease:{task-1}")).isEqualTo("intruder:1");
    }

    @Test
    void flushedScriptsAreSentAgainWithEval() {
        assumeTrue(server != null, "SCRIPT FLUSH only on this class's own redis-server, never a shared one");
        Lease lease = manager.tryAcquire("task-1", Duration.ofSeconds(10), "worker-a").orElseThrow();
        redis.scriptFlush();
        assertThat(redis.scriptExists(Script.ACQUIRE.sha(), Script.RENEW.sha(), Script.RELEASE.sha()))
                .containsExactly(false, false, false);

        assertThat(lease.renew()).isTrue();
        assertThat(manager.tryAcquire("task-2", Duration.ofSeconds(10), "worker-a")).isPresent();
        assertThat(lease.release()).isTrue();

        assertThat(redis.scriptExists(Script.ACQUIRE.sha(), Script.RENEW.sha(), Script.RELEASE.sha()))
                .as("EVAL put them back in the script cache")
                .containsExactly(true, true, true);
    }

    @Test
    void aManagerOnACallersConnectionLeavesItOpen() {
        try (StatefulRedisConnection<String, String> own = client.connect()) {
            LeaseManager onConnection = LeaseManager.builder(own).keyPrefix(prefix).clock(Clock.systemUTC())
                    .commandTimeout(Duration.ofSeconds(1)).fenceRetention(Duration.ZERO).build();
            Lease lease = onConnection.tryAcquire("task-1", Duration.ofSeconds(10), "worker-a").orElseThrow();
            assertThat(redis.pttl(prefix + "fence:{task-1}")).as("zero retention keeps fence keys forever").isEqualTo(-1L);
            lease.close();

            onConnection.close();

            assertThat(own.isOpen()).isTrue();
            assertThat(own.sync().ping()).isEqualTo("PONG");
        }
    }

    @Test
    void buildingAManagerWithoutRedisFailsWithLeaseException() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        RedisClient nowhere = RedisClient.create("redis://127.0.0.1:" + closedPort);
        try {
            assertThatThrownBy(() -> LeaseManager.builder(nowhere).build())
                    .isInstanceOf(LeaseException.class)
                    .hasMessageContaining("cannot connect");
        } finally {
            nowhere.shutdown();
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
