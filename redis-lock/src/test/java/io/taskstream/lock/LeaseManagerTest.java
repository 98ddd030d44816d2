package io.taskstream.lock;

import io.taskstream.embedded.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What {@link LeaseManager} accepts and refuses, without Redis. */
class LeaseManagerTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final FakeLeaseStore store = new FakeLeaseStore(clock);
    private final LeaseManager manager =
            LeaseManager.builderForStore().clock(clock).scheduler(scheduler).build(store);

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void aHeldResourceIsRefusedToEveryoneIncludingItsOwner() {
        Lease lease = manager.tryAcquire("task-1", Duration.ofSeconds(30), "worker-a").orElseThrow();

        assertThat(manager.tryAcquire("task-1", Duration.ofSeconds(30), "worker-b")).isEmpty();
        assertThat(manager.tryAcquire("task-1", Duration.ofSeconds(30), "worker-a")).isEmpty();
        assertThat(manager.tryAcquire("task-2", Duration.ofSeconds(30), "worker-b")).isPresent();
        assertThat(lease.isValid()).isTrue();
    }

    @Test
    void finerThanMillisecondPartsOfTheTtlAreDropped() {
        Lease lease = manager.tryAcquire("task-1", Duration.ofNanos(1_500_000), "worker-a").orElseThrow();

        assertThat(lease.ttl()).isEqualTo(Duration.ofMillis(1));
    }

    @Test
    void anUnreachableStoreFailsTheAcquireWithLeaseException() {
        store.unreachable(true);

        assertThatThrownBy(() -> manager.tryAcquire("task-1", Duration.ofSeconds(1), "worker-a"))
                .isInstanceOf(LeaseException.class)
                .hasMessageContaining("acquire");
    }

    @Test
    void keysFollowTheNamingScheme() {
        LeaseManager custom = LeaseManager.builderForStore().keyPrefix("acme:").scheduler(scheduler).build(store);

        assertThat(manager.leaseKey("task-1")).isEqualTo("taskstream:lock:lease:{task-1}");
        assertThat(manager.fenceKey("task-1")).isEqualTo("taskstream:lock:fence:{task-1}");
        assertThat(custom.leaseKey("t")).isEqualTo("acme:lease:{t}");
        custom.close();
    }

    static Stream<Arguments> badAcquires() {
        Duration ttl = Duration.ofSeconds(1);
        return Stream.of(
                Arguments.of("blank resource", " ", ttl, "worker", IllegalArgumentException.class),
                Arguments.of("null resource", null, ttl, "worker", IllegalArgumentException.class),
                Arguments.of("resource that empties the hash tag", "}x", ttl, "worker", IllegalArgumentException.class),
                Arguments.of("blank owner", "task", ttl, "", IllegalArgumentException.class),
                Arguments.of("zero ttl", "task", Duration.ZERO, "worker", IllegalArgumentException.class),
                Arguments.of("sub-millisecond ttl", "task", Duration.ofNanos(999_999), "worker", IllegalArgumentException.class),
                Arguments.of("negative ttl", "task", Duration.ofSeconds(-1), "worker", IllegalArgumentException.class),
                Arguments.of("null ttl", "task", null, "worker", NullPointerException.class));
    }

    @ParameterizedTest(name = "{0} is refused")
    @MethodSource("badAcquires")
    void badArgumentsAreRefusedBeforeRedisIsAsked(String name, String resource, Duration ttl, String owner,
            Class<? extends Throwable> expected) {
        assertThatThrownBy(() -> manager.tryAcquire(resource, ttl, owner)).isInstanceOf(expected);
        assertThat(store.valueOf("task")).isNull();
    }

    static Stream<Arguments> badOptions() {
        return Stream.<Arguments>of(
                Arguments.of("renewal fraction 0", (Consumer<LeaseManager.Builder>) b -> b.renewalFraction(0)),
                Arguments.of("renewal fraction 1", (Consumer<LeaseManager.Builder>) b -> b.renewalFraction(1)),
                Arguments.of("renewal fraction NaN", (Consumer<LeaseManager.Builder>) b -> b.renewalFraction(Double.NaN)),
                Arguments.of("zero command timeout", (Consumer<LeaseManager.Builder>) b -> b.commandTimeout(Duration.ZERO)),
                Arguments.of("null command timeout", (Consumer<LeaseManager.Builder>) b -> b.commandTimeout(null)),
                Arguments.of("negative fence retention", (Consumer<LeaseManager.Builder>) b -> b.fenceRetention(Duration.ofSeconds(-1))),
                Arguments.of("key prefix with a brace", (Consumer<LeaseManager.Builder>) b -> b.keyPrefix("a{b}:")),
                Arguments.of("null key prefix", (Consumer<LeaseManager.Builder>) b -> b.keyPrefix(null)));
    }

    @ParameterizedTest(name = "{0} is refused")
    @MethodSource("badOptions")
    void badOptionsAreRefusedWhenSet(String name, Consumer<LeaseManager.Builder> option) {
        assertThatThrownBy(() -> option.accept(LeaseManager.builderForStore()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
