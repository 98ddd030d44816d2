package io.taskstream.worker.lease;

import static io.taskstream.worker.support.Dispatches.dispatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.Infrastructure;
import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.lock.Lease;
import io.taskstream.lock.LeaseManager;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.worker.execution.AttemptLeases.AttemptLease;
import io.taskstream.schemas.tracing.Tracing;

/** Task leases and finished markers on a real Redis. */
class RedisAttemptLeasesIT {

    final Infrastructure infrastructure = SharedInfrastructure.forClass(RedisAttemptLeasesIT.class);
    final RedisURI uri = RedisURI.create(infrastructure.redisUrl());
    final RedisClient client = RedisClient.create(uri);
    final Clock clock = Clock.systemUTC(); // leases expire in Redis's real time
    final LeaseManager manager = LeaseManager.builder(client).clock(clock).build();
    final LettuceConnectionFactory factory = started(new LettuceConnectionFactory(
            new RedisStandaloneConfiguration(uri.getHost(), uri.getPort())));
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final RedisAttemptLeases.Settings settings = new RedisAttemptLeases.Settings(Duration.ofSeconds(30),
            Duration.ofMillis(20), "it:finished:", Duration.ofMinutes(1));
    final RedisAttemptLeases leases =
            new RedisAttemptLeases(() -> manager, new StringRedisTemplate(factory), clock, meters, "worker-a",
                    settings, Tracing.noop());

    static LettuceConnectionFactory started(LettuceConnectionFactory factory) {
        factory.afterPropertiesSet();
        factory.start();
        return factory;
    }

    @AfterEach
    void close() {
        manager.close();
        factory.destroy();
        client.shutdown();
    }

    @Test
    void anAttemptTakesItsTasksLeaseWithAFencingTokenAndLetsItGoWhenClosed() throws Exception {
        TaskDispatch dispatch = dispatch("log", Map.of());

        Optional<AttemptLease> lease = leases.acquire(dispatch, clock.instant().plusSeconds(5));

        assertThat(lease).hasValueSatisfying(l -> {
            assertThat(l.fencingToken()).isPositive();
            assertThat(l.isValid()).isTrue();
        });
        assertThat(manager.tryAcquire(dispatch.taskId().toString(), Duration.ofSeconds(1), "worker-b"))
                .as("held").isEmpty();
        lease.get().close();
        try (Lease next = manager.tryAcquire(dispatch.taskId().toString(), Duration.ofSeconds(1), "worker-b")
                .orElseThrow()) {
            assertThat(next.fencingToken()).isGreaterThan(lease.get().fencingToken());
        }
    }

    @Test
    void anAttemptWhoseTaskIsHeldElsewhereWaitsForItAndGetsItWhenReleased() throws Exception {
        TaskDispatch dispatch = dispatch("log", Map.of());
        Lease other = manager.tryAcquire(dispatch.taskId().toString(), Duration.ofSeconds(30), "worker-b")
                .orElseThrow();

        CompletableFuture<Optional<AttemptLease>> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return leases.acquire(dispatch, clock.instant().plusSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(10))
                .until(() -> meters.find("taskstream.worker.lease.waits").counter() != null);
        assertThat(waiting).isNotDone();
        other.close();

        Optional<AttemptLease> lease = waiting.get(10, TimeUnit.SECONDS);
        assertThat(lease).hasValueSatisfying(l -> assertThat(l.fencingToken()).isGreaterThan(other.fencingToken()));
        lease.get().close();
    }

    @Test
    void anAttemptGivesUpWaitingAtItsDeadline() throws Exception {
        TaskDispatch dispatch = dispatch("log", Map.of());
        try (Lease other = manager.tryAcquire(dispatch.taskId().toString(), Duration.ofSeconds(30), "worker-b")
                .orElseThrow()) {
            assertThat(leases.acquire(dispatch, clock.instant().plusMillis(100))).isEmpty();
            assertThat(other.isValid()).isTrue();
        }
    }

    @Test
    void aFinishedDispatchIsMarkedSoADeliveryOfItAgainIsSkippedButAReplayOrDeferralIsNot() {
        TaskDispatch first = dispatch("log", Map.of());

        assertThat(leases.isFinished(first)).isFalse();
        leases.finished(first);

        assertThat(leases.isFinished(first)).isTrue();
        assertThat(new StringRedisTemplate(factory).getExpire(leases.finishedKey(first))).isPositive();
        TaskDispatch replayed = new TaskDispatch(first.taskId(), first.tenantId(), first.type(), first.payload(),
                first.priority(), 1, first.maxAttempts(), first.timeout(), first.orderingKey(), first.labels(),
                first.scheduleId(), first.encrypt(), first.createdAt(), first.dispatchedAt(), first.deadline(),
                first.eventVersion() + 5);
        assertThat(leases.isFinished(replayed)).as("attempt 1 dispatched anew (replay, deferral)").isFalse();
    }

    @Test
    void withRedisUnreachableAttemptsRunUnfencedMarkersFailOpenAndTheLeasesComeBackWithRedis() throws Exception {
        LettuceConnectionFactory down = started(new LettuceConnectionFactory(
                new RedisStandaloneConfiguration("127.0.0.1", 9)));
        io.taskstream.embedded.MutableClock stepped = new io.taskstream.embedded.MutableClock(clock.instant());
        java.util.concurrent.atomic.AtomicBoolean reachable = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger connects = new java.util.concurrent.atomic.AtomicInteger();
        try (RedisAttemptLeases unreachable = new RedisAttemptLeases(() -> {
            connects.incrementAndGet();
            if (!reachable.get()) {
                throw new io.taskstream.lock.LeaseException("cannot connect to Redis: nobody there");
            }
            return LeaseManager.builder(client).clock(clock).build();
        }, new StringRedisTemplate(down), stepped, meters, "worker-a", settings, Tracing.noop())) {
            TaskDispatch dispatch = dispatch("log", Map.of());

            assertThat(unreachable.acquire(dispatch, clock.instant().plusSeconds(5))).hasValue(AttemptLease.UNFENCED);
            assertThat(unreachable.acquire(dispatch, clock.instant().plusSeconds(5))).hasValue(AttemptLease.UNFENCED);
            assertThat(connects).as("not again before retryEvery").hasValue(1);
            assertThat(unreachable.isFinished(dispatch)).isFalse();
            unreachable.finished(dispatch); // logged, not thrown
            assertThat(meters.get("taskstream.worker.lease.unavailable").counter().count()).isEqualTo(2);

            reachable.set(true);
            stepped.advance(settings.retryEvery());
            Optional<AttemptLease> lease = unreachable.acquire(dispatch, clock.instant().plusSeconds(5));
            assertThat(lease).hasValueSatisfying(l -> assertThat(l.fencingToken()).isPositive());
            lease.get().close();
        } finally {
            down.destroy();
        }
    }
}
