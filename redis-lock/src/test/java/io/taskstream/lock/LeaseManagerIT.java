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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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

    /**
     * Twenty threads, each a worker with a manager (and connection) of its own, race for one
     * resource. Inside the critical section every holder checks that it is alone, that Redis
     * names it as the holder, and that its token beats the previous holder's.
     */
    @Test
    void twentyWorkersRacingForOneResourceNeverHoldItTogetherAndTokensOnlyGrow() throws Exception {
        int workers = 20;
        int acquisitionsWanted = 200;
        List<LeaseManager> racing = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            racing.add(manager(false));
        }
        AtomicInteger holders = new AtomicInteger();
        AtomicLong previousToken = new AtomicLong();
        AtomicInteger acquisitions = new AtomicInteger();
        AtomicInteger refusals = new AtomicInteger();
        Set<String> winners = ConcurrentHashMap.newKeySet();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                String owner = "worker-" + i;
                LeaseManager leases = racing.get(i);
                done.add(CompletableFuture.runAsync(() -> {
                    awaitLatch(go);
                    while (acquisitions.get() < acquisitionsWanted) {
                        Optional<Lease> taken = leases.tryAcquire("hot-task", Duration.ofSeconds(5), owner);
                        if (taken.isEmpty()) {
                            refusals.incrementAndGet();
                            continue;
                        }
                        try (Lease lease = taken.get()) {
                            assertThat(holders.incrementAndGet()).as("holders at once").isEqualTo(1);
                            assertThat(lease.fencingToken()).as("token of the holder after the previous one")
                                    .isGreaterThan(previousToken.getAndSet(lease.fencingToken()));
                            // round trips to Redis while holding, so that an overlapping holder would show
                            assertThat(redis.get(prefix + "lease:{hot-task}")).isEqualTo(owner + ":" + lease.fencingToken());
                            assertThat(lease.renew()).isTrue();
                            winners.add(owner);
                            acquisitions.incrementAndGet();
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

        assertThat(acquisitions.get()).isGreaterThanOrEqualTo(acquisitionsWanted);
        assertThat(refusals.get()).as("the workers really contended").isPositive();
        assertThat(winners).as("the lease passed between workers").hasSizeGreaterThan(1);
        assertThat(holders).hasValue(0);
    }

    /**
     * A task that runs four TTLs long: all the while the watchdog keeps the key alive in Redis
     * under the same token, and nobody else can take it.
     */
    @Test
    void renewalKeepsALeaseAliveAcrossATaskFourTimesAsLongAsItsTtl() {
        LeaseManager other = manager(false);
        Duration ttl = Duration.ofMillis(500);
        Lease lease = manager.tryAcquire("task-1", ttl, "worker-a").orElseThrow();
        String value = "worker-a:" + lease.fencingToken();

        await().during(ttl.multipliedBy(4)).atMost(ttl.multipliedBy(6)).pollInterval(Duration.ofMillis(25))
                .until(() -> lease.isValid()
                        && value.equals(redis.get(prefix + "lease:{task-1}"))
                        && other.tryAcquire("task-1", ttl, "worker-b").isEmpty());

        assertThat(lease.lossReason()).isEmpty();
        assertThat(redis.get(prefix + "fence:{task-1}")).as("renewal hands out no new token")
                .isEqualTo(Long.toString(lease.fencingToken()));
        assertThat(lease.release()).isTrue();
    }

    /**
     * The stale holder's lease is short (200 ms) and its successor's long (10 s): a renewal that
     * touched the successor's key would cut its TTL to 200 ms, a release would delete it.
     */
    @Test
    void aHolderWhoseKeyWasTakenOverCanNeitherRenewNorReleaseTheNewHoldersLease() {
        LeaseManager other = manager(false);
        Lease stale = manager(false).tryAcquire("task-1", Duration.ofMillis(200), "worker-a").orElseThrow();
        Lease current = await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10))
                .until(() -> other.tryAcquire("task-1", Duration.ofSeconds(10), "worker-b"), Optional::isPresent)
                .orElseThrow();

        assertThat(stale.renew()).isFalse();
        assertThat(stale.release()).isFalse();
        stale.close();

        assertThat(redis.get(prefix + "lease:{task-1}")).isEqualTo("worker-b:" + current.fencingToken());
        assertThat(redis.pttl(prefix + "lease:{task-1}")).as("the successor's TTL, untouched").isGreaterThan(5_000L);
        assertThat(current.isValid()).isTrue();
        assertThat(current.renew()).isTrue();
        assertThat(current.release()).isTrue();
    }

    /**
     * The owner string is only a label: the key's value carries the token too, so a worker's own
     * expired lease cannot renew or delete the lease it took again afterwards.
     */
    @Test
    void anExpiredLeaseCannotTouchTheNewerLeaseOfTheSameOwner() {
        LeaseManager worker = manager(false);
        Lease older = worker.tryAcquire("task-1", Duration.ofMillis(200), "worker-a").orElseThrow();
        Lease newer = await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10))
                .until(() -> worker.tryAcquire("task-1", Duration.ofSeconds(10), "worker-a"), Optional::isPresent)
                .orElseThrow();

        assertThat(older.renew()).isFalse();
        assertThat(older.lossReason()).contains(LossReason.TAKEN_OVER);
        assertThat(older.release()).isFalse();

        assertThat(redis.get(prefix + "lease:{task-1}")).isEqualTo("worker-a:" + newer.fencingToken());
        assertThat(redis.pttl(prefix + "lease:{task-1}")).isGreaterThan(5_000L);
        assertThat(newer.isValid()).isTrue();
        assertThat(newer.release()).isTrue();
    }

    /**
     * A holder that stops renewing (here its manager closes, as when a worker shuts down) keeps
     * the resource blocked until its TTL runs out in Redis; then the next holder gets it, with a
     * higher token.
     */
    @Test
    void aLeaseWhoseHolderStopsRenewingExpiresInRedisAfterItsTtl() {
        LeaseManager holder = manager(true);
        LeaseManager other = manager(false);
        Duration ttl = Duration.ofSeconds(1);
        Lease lease = holder.tryAcquire("task-1", ttl, "worker-a").orElseThrow();

        holder.close();

        assertThat(lease.lossReason()).contains(LossReason.MANAGER_CLOSED);
        assertThat(redis.pttl(prefix + "lease:{task-1}")).as("left to expire").isBetween(1L, ttl.toMillis());
        assertThat(other.tryAcquire("task-1", ttl, "worker-b")).as("still blocked within the TTL").isEmpty();
        await().atMost(ttl.multipliedBy(3)).pollInterval(Duration.ofMillis(10))
                .until(() -> redis.exists(prefix + "lease:{task-1}") == 0);
        Lease successor = other.tryAcquire("task-1", ttl, "worker-b").orElseThrow();
        assertThat(successor.fencingToken()).isGreaterThan(lease.fencingToken());
    }

    @Test
    void theNextTokenIsTheLastPlusOneOrRedisTimeInMicrosecondsWhicheverIsLarger() {
        String fence = prefix + "fence:{task-1}";
        List<String> time = redis.time();
        long redisMicros = Long.parseLong(time.get(0)) * 1_000_000 + Long.parseLong(time.get(1));
        Lease first = manager.tryAcquire("task-1", Duration.ofSeconds(10), "worker-a").orElseThrow();
        assertThat(first.fencingToken()).as("on a fresh resource: Redis time").isGreaterThanOrEqualTo(redisMicros);
        first.release();

        redis.del(fence); // as when its retention ran out, or Redis restarted without its data
        Lease second = manager.tryAcquire("task-1", Duration.ofSeconds(10), "worker-a").orElseThrow();
        assertThat(second.fencingToken()).as("without the fence key, plain INCR would say 1")
                .isGreaterThan(first.fencingToken());
        second.release();

        long farAhead = second.fencingToken() + 1_000_000_000_000L; // ~11.6 days of microseconds
        redis.set(fence, Long.toString(farAhead));
        Lease third = manager.tryAcquire("task-1", Duration.ofSeconds(10), "worker-a").orElseThrow();
        assertThat(third.fencingToken()).as("the last token + 1 when it is ahead of Redis time").isEqualTo(farAhead + 1);
        assertThat(redis.get(fence)).isEqualTo(Long.toString(farAhead + 1));
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
