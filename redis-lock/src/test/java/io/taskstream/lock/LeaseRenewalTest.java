package io.taskstream.lock;

import io.taskstream.embedded.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lease's renewal watchdog and local validity, stepped by hand: an in-memory store with
 * Redis's semantics, a clock and a scheduler that move only when the test says so.
 */
class LeaseRenewalTest {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration TTL = Duration.ofSeconds(30);
    private static final Duration MS = Duration.ofMillis(1);

    private final MutableClock clock = new MutableClock(START);
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final FakeLeaseStore store = new FakeLeaseStore(clock);
    private final List<LossReason> told = new CopyOnWriteArrayList<>();
    private final LeaseListener listener = (lease, reason) -> told.add(reason);
    private LeaseManager manager = manager(true);

    private LeaseManager manager(boolean autoRenew) {
        return LeaseManager.builderForStore().clock(clock).scheduler(scheduler).autoRenew(autoRenew).build(store);
    }

    private Lease acquire() {
        return manager.tryAcquire("task-1", TTL, "worker-a", listener).orElseThrow();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void withoutRenewalALeaseIsValidUntilItsTtlRunsOutOnTheLocalClock() {
        manager = manager(false);
        Lease lease = acquire();

        scheduler.advance(TTL.minus(MS));
        assertThat(lease.isValid()).isTrue();

        scheduler.advance(MS);
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.validUntil()).isEqualTo(START.plus(TTL));
        assertThat(lease.lossReason()).isEmpty();
        assertThat(lease.lost().toCompletableFuture()).isNotDone();
        assertThat(store.renewals).hasValue(0);
    }

    @Test
    void theWatchdogRenewsWhenAThirdOfTheTtlHasPassed() {
        Lease lease = acquire();

        scheduler.advance(Duration.ofSeconds(10).minus(MS));
        assertThat(store.renewals).hasValue(0);

        scheduler.advance(MS);
        assertThat(store.renewals).hasValue(1);
        assertThat(lease.validUntil()).isEqualTo(START.plusSeconds(10).plus(TTL));
        assertThat(store.expiryOf("task-1")).isEqualTo(START.plusSeconds(10).plus(TTL));

        scheduler.advance(Duration.ofSeconds(10));
        assertThat(store.renewals).hasValue(2);
    }

    @Test
    void theRenewalFractionIsAnOption() {
        manager = LeaseManager.builderForStore().clock(clock).scheduler(scheduler).renewalFraction(0.5).build(store);
        acquire();

        scheduler.advance(Duration.ofSeconds(15).minus(MS));
        assertThat(store.renewals).hasValue(0);
        scheduler.advance(MS);
        assertThat(store.renewals).hasValue(1);
    }

    @Test
    void renewalKeepsALeaseValidFarBeyondItsTtl() {
        Lease lease = acquire();

        for (int second = 1; second <= 5 * TTL.toSeconds(); second++) {
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(lease.isValid()).as("valid at second %d", second).isTrue();
            assertThat(store.valueOf("task-1")).isEqualTo("worker-a:" + lease.fencingToken());
        }
        assertThat(manager.tryAcquire("task-1", TTL, "worker-b")).isEmpty();
        assertThat(told).isEmpty();
    }

    @Test
    void theHolderIsToldOnceWhenItsKeyWasTakenOver() {
        Lease lease = acquire();
        store.takeOver("task-1", "worker-b:99");

        scheduler.advance(Duration.ofSeconds(10));

        assertThat(told).containsExactly(LossReason.TAKEN_OVER);
        assertThat(lease.lossReason()).contains(LossReason.TAKEN_OVER);
        assertThat(lease.lost().toCompletableFuture()).isCompleted();
        assertThat(lease.isValid()).isFalse();

        int renewals = store.renewals.get();
        scheduler.advance(TTL.multipliedBy(3));
        assertThat(store.renewals).as("a lost lease is never renewed again").hasValue(renewals);
        assertThat(told).hasSize(1);
        assertThat(lease.renew()).isFalse();

        assertThat(lease.release()).isFalse();
        assertThat(store.valueOf("task-1")).isEqualTo("worker-b:99");
    }

    @Test
    void aRenewalThatFailsOnceIsRetriedAndTheLeaseSurvives() {
        Lease lease = acquire();
        store.unreachable(true);
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(store.renewals).hasValue(1);

        store.unreachable(false);
        scheduler.advance(Duration.ofSeconds(10));

        assertThat(store.renewals).hasValue(2);
        assertThat(lease.isValid()).isTrue();
        assertThat(lease.validUntil()).isEqualTo(START.plusSeconds(20).plus(TTL));
        assertThat(told).isEmpty();
    }

    @Test
    void theHolderIsToldWhenRedisStaysUnreachableUntilTheTtlRunsOut() {
        Lease lease = acquire();
        store.unreachable(true);

        scheduler.advance(TTL.minus(MS));
        assertThat(lease.isValid()).isTrue();
        assertThat(told).isEmpty();

        scheduler.advance(MS);
        assertThat(told).containsExactly(LossReason.EXPIRED);
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.lost().toCompletableFuture()).isCompleted();

        store.unreachable(false);
        int renewals = store.renewals.get();
        scheduler.advance(TTL);
        assertThat(store.renewals).as("no renewal once lost, even with Redis back").hasValue(renewals);
    }

    @Test
    void aRenewalThatNeverAnswersIsCaughtByTheDeadline() {
        Lease lease = acquire();
        store.hangRenewals(true);

        scheduler.advance(Duration.ofSeconds(10));
        assertThat(store.hangingRenewal()).isNotNull().isNotDone();

        scheduler.advance(Duration.ofSeconds(20).minus(MS));
        assertThat(store.renewals).as("no second renewal while one is in flight").hasValue(1);
        assertThat(lease.isValid()).isTrue();

        scheduler.advance(MS);
        assertThat(told).containsExactly(LossReason.EXPIRED);

        store.hangingRenewal().complete(true);
        scheduler.runDue();
        assertThat(lease.isValid()).as("a late answer does not revive a lost lease").isFalse();
        assertThat(lease.lossReason()).contains(LossReason.EXPIRED);
    }

    @Test
    void aManualRenewalExtendsTheLeaseFromWhenItWasSent() {
        manager = manager(false);
        Lease lease = acquire();
        scheduler.advance(Duration.ofSeconds(20));

        assertThat(lease.renew()).isTrue();

        assertThat(lease.validUntil()).isEqualTo(START.plusSeconds(20).plus(TTL));
        scheduler.advance(Duration.ofSeconds(29));
        assertThat(lease.isValid()).isTrue();
    }

    @Test
    void aManualRenewalOfATakenOverLeaseLosesItAndTellsTheHolder() {
        manager = manager(false);
        Lease lease = acquire();
        store.takeOver("task-1", "worker-b:7");

        assertThat(lease.renew()).isFalse();

        assertThat(told).containsExactly(LossReason.TAKEN_OVER);
        assertThat(lease.isValid()).isFalse();
    }

    @Test
    void aManualRenewalThatCannotReachRedisThrowsAndKeepsTheLease() {
        manager = manager(false);
        Lease lease = acquire();
        store.unreachable(true);

        assertThatThrownBy(lease::renew).isInstanceOf(LeaseException.class).hasMessageContaining("renew");

        assertThat(lease.isValid()).isTrue();
        assertThat(lease.lossReason()).isEmpty();
    }

    @Test
    void releaseStopsRenewalDeletesTheKeyAndIsIdempotent() {
        Lease lease = acquire();

        assertThat(lease.release()).isTrue();
        assertThat(lease.release()).isFalse();

        assertThat(store.valueOf("task-1")).isNull();
        assertThat(lease.isValid()).isFalse();
        scheduler.advance(TTL.multipliedBy(2));
        assertThat(store.renewals).hasValue(0);
        assertThat(scheduler.pending()).isZero();
        assertThat(lease.lost().toCompletableFuture()).as("released, not lost").isNotDone();
        assertThat(told).isEmpty();
        assertThat(manager.tryAcquire("task-1", TTL, "worker-b")).isPresent();
    }

    @Test
    void aRenewalAnsweredAfterReleaseIsIgnored() {
        Lease lease = acquire();
        store.hangRenewals(true);
        scheduler.advance(Duration.ofSeconds(10));

        lease.release();
        store.hangingRenewal().complete(true);
        scheduler.runDue();

        assertThat(lease.isValid()).isFalse();
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void releaseThatCannotReachRedisThrowsButStillStopsRenewal() {
        Lease lease = acquire();
        store.unreachable(true);

        assertThatThrownBy(lease::release).isInstanceOf(LeaseException.class);

        scheduler.advance(TTL);
        assertThat(store.renewals).hasValue(0);
        assertThat(told).as("released, not lost").isEmpty();
    }

    @Test
    void closeNeverThrowsEvenWhenRedisIsUnreachable() {
        Lease lease = acquire();
        store.unreachable(true);

        assertThatNoException().isThrownBy(lease::close);
        assertThat(store.releases).hasValue(1);
        assertThat(lease.isValid()).isFalse();
    }

    @Test
    void aLeaseLostForExpiryStillDeletesItsKeyOnRelease() {
        Lease lease = acquire();
        store.hangRenewals(true);
        scheduler.advance(TTL.minus(MS));
        store.hangRenewals(false);
        store.takeOver("task-1", "worker-a:" + lease.fencingToken()); // still ours in Redis, far in the future
        scheduler.advance(MS);
        assertThat(lease.lossReason()).contains(LossReason.EXPIRED);

        assertThat(lease.release()).isTrue();
        assertThat(store.valueOf("task-1")).isNull();
    }

    @Test
    void aFailingListenerDoesNotBreakTheSignal() {
        Lease lease = manager.tryAcquire("task-1", TTL, "worker-a", (l, reason) -> {
            throw new IllegalStateException("listener bug");
        }).orElseThrow();
        store.takeOver("task-1", "worker-b:1");

        scheduler.advance(Duration.ofSeconds(10));

        assertThat(lease.lost().toCompletableFuture()).isCompleted();
        assertThat(lease.lossReason()).contains(LossReason.TAKEN_OVER);
    }

    @Test
    void closingTheManagerStopsRenewalAndTellsEveryHolder() {
        Lease first = acquire();
        Lease second = manager.tryAcquire("task-2", TTL, "worker-a", listener).orElseThrow();
        first.release();

        manager.close();
        manager.close();

        assertThat(told).containsExactly(LossReason.MANAGER_CLOSED);
        assertThat(second.lossReason()).contains(LossReason.MANAGER_CLOSED);
        assertThat(first.lossReason()).isEmpty();
        assertThat(store.valueOf("task-2")).as("left to expire, not deleted").isNotNull();
        scheduler.advance(TTL);
        assertThat(store.renewals).hasValue(0);
        assertThatThrownBy(() -> manager.tryAcquire("task-3", TTL, "worker-a"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theLeaseDescribesItself() {
        Lease lease = acquire();

        assertThat(lease.resource()).isEqualTo("task-1");
        assertThat(lease.owner()).isEqualTo("worker-a");
        assertThat(lease.ttl()).isEqualTo(TTL);
        assertThat(lease.fencingToken()).isPositive();
        assertThat(lease).hasToString("Lease[task-1 held by worker-a, token " + lease.fencingToken() + "]");
    }
}
