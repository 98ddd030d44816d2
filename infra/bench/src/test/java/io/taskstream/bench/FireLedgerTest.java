package io.taskstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class FireLedgerTest {

    static final Instant WARM_UP = Instant.parse("2026-11-29T12:01:00Z");
    static final Instant FIRST = Instant.parse("2026-11-29T12:02:00Z");
    static final Instant SECOND = Instant.parse("2026-11-29T12:03:00Z");
    static final FireWindow WINDOW = FireWindow.of(FireWindowTest.EVERY_MINUTE, Instant.parse("2026-11-29T12:00:30Z"),
            Duration.ofMinutes(2));

    final FireLedger ledger = new FireLedger();
    final UUID a = UUID.randomUUID();
    final UUID b = UUID.randomUUID();

    @Test
    void latenessIsMeasuredFromTheFireTimeToTheFireTheFirstQueuedAndTheCompletion() {
        UUID taskA = fire(a, FIRST, 100);
        UUID taskB = fire(b, FIRST, 300);
        ledger.queued(taskA, FIRST.plusMillis(250));
        ledger.queued(taskB, FIRST.plusMillis(450));
        ledger.completed(taskA, FIRST.plusMillis(400));

        FireLedger.Figures first = ledger.summary(WINDOW, 2).measured().getFirst();

        assertThat(first.fireTime()).isEqualTo(FIRST);
        assertThat(first.expected()).isEqualTo(2);
        assertThat(first.fired()).isEqualTo(2);
        assertThat(first.queued()).isEqualTo(2);
        assertThat(first.completed()).isEqualTo(1);
        assertThat(first.fireLateness().getMinValue()).isBetween(99_900L, 100_100L);
        assertThat(first.fireLateness().getMaxValue()).isBetween(299_900L, 300_100L);
        assertThat(first.queueLateness().getMinValue()).isBetween(249_900L, 250_100L);
        assertThat(first.queueLateness().getMaxValue()).isBetween(449_900L, 450_100L);
        assertThat(first.completionLateness().getTotalCount()).isEqualTo(1);
        assertThat(first.duplicates()).isZero();
        assertThat(first.early()).isZero();
    }

    @Test
    void anEventReadBeforeItsFireIsJoinedByTaskId() {
        UUID task = UUID.randomUUID();
        ledger.queued(task, FIRST.plusMillis(200));
        ledger.completed(task, FIRST.plusMillis(300));
        ledger.fired(task, a, FIRST, FIRST.plusMillis(100));

        FireLedger.Figures first = ledger.summary(WINDOW, 1).measured().getFirst();

        assertThat(first.queued()).isEqualTo(1);
        assertThat(first.completed()).isEqualTo(1);
    }

    @Test
    void fireTimesAreBucketedApartAndTheFirstIsKeptOutOfTheMeasuredFigures() {
        fire(a, WARM_UP, 5_000);
        fire(a, FIRST, 10);
        fire(b, FIRST, 20);
        fire(a, SECOND, 30);
        fire(a, SECOND.plusSeconds(60), 40);

        FireLedger.Summary summary = ledger.summary(WINDOW, 2);

        assertThat(ledger.firedFor(FIRST)).isEqualTo(2);
        assertThat(ledger.firedFor(WARM_UP)).isEqualTo(1);
        assertThat(summary.warmUp().fireTime()).isEqualTo(WARM_UP);
        assertThat(summary.warmUp().fired()).isEqualTo(1);
        assertThat(summary.warmUp().fireLateness().getMaxValue()).isBetween(4_990_000L, 5_010_000L);
        assertThat(summary.measured()).extracting(FireLedger.Figures::fireTime).containsExactly(FIRST, SECOND);
        assertThat(summary.measured()).extracting(FireLedger.Figures::fired).containsExactly(2L, 1L);
        assertThat(summary.outside()).isEqualTo(1);
        FireLedger.Figures overall = summary.overall();
        assertThat(overall.fireTimes()).isEqualTo(2);
        assertThat(overall.expected()).isEqualTo(4);
        assertThat(overall.fired()).isEqualTo(3);
        assertThat(overall.fireLateness().getTotalCount()).isEqualTo(3);
        assertThat(overall.fireLateness().getMaxValue()).isLessThan(31_000);
    }

    @Test
    void theSameTaskFiredAgainAndASecondTaskForOneFireAreDuplicatesOfTheirFireTime() {
        UUID task = fire(a, FIRST, 10);
        ledger.fired(task, a, FIRST, FIRST.plusMillis(20));
        ledger.fired(UUID.randomUUID(), a, FIRST, FIRST.plusMillis(30));
        fire(b, FIRST, 10);
        fire(a, SECOND, 10);

        FireLedger.Summary summary = ledger.summary(WINDOW, 2);

        FireLedger.Figures first = summary.measured().getFirst();
        assertThat(first.fired()).isEqualTo(2);
        assertThat(first.sameTaskAgain()).isEqualTo(1);
        assertThat(first.secondTask()).isEqualTo(1);
        assertThat(first.duplicates()).isEqualTo(2);
        assertThat(first.fireLateness().getTotalCount()).isEqualTo(2);
        assertThat(summary.measured().get(1).duplicates()).isZero();
        assertThat(summary.overall().duplicates()).isEqualTo(2);
    }

    @Test
    void aTaskQueuedTwiceIsCountedApartFromDuplicateFires() {
        UUID task = fire(a, FIRST, 10);
        ledger.queued(task, FIRST.plusMillis(100));
        ledger.queued(task, FIRST.plusMillis(900));
        ledger.completed(task, FIRST.plusMillis(950));
        ledger.completed(task, FIRST.plusMillis(990));

        FireLedger.Figures first = ledger.summary(WINDOW, 1).measured().getFirst();

        assertThat(first.queuedAgain()).isEqualTo(1);
        assertThat(first.duplicates()).isZero();
        assertThat(first.queueLateness().getMaxValue()).isLessThan(101_000);
        assertThat(first.completionLateness().getMaxValue()).isLessThan(951_000);
    }

    @Test
    void aTimestampBeforeTheFireTimeIsCountedEarlyAndRecordedAsZero() {
        fire(a, FIRST, -5);

        FireLedger.Figures first = ledger.summary(WINDOW, 1).measured().getFirst();

        assertThat(first.early()).isEqualTo(1);
        assertThat(first.fireLateness().getMaxValue()).isZero();
    }

    @Test
    void whatIsOutstandingIsEveryMissingFireQueueEventAndCompletionOfTheMeasuredFireTimes() {
        assertThat(ledger.outstanding(WINDOW, 2)).isEqualTo(4);

        UUID taskA = fire(a, FIRST, 10);
        fire(a, WARM_UP, 10);
        assertThat(ledger.outstanding(WINDOW, 2)).isEqualTo(3 + 2);

        ledger.queued(taskA, FIRST.plusMillis(20));
        ledger.completed(taskA, FIRST.plusMillis(30));
        UUID taskB = fire(b, FIRST, 10);
        ledger.queued(taskB, FIRST.plusMillis(20));
        ledger.completed(taskB, FIRST.plusMillis(30));
        for (UUID schedule : new UUID[] {a, b}) {
            UUID task = fire(schedule, SECOND, 10);
            ledger.queued(task, SECOND.plusMillis(20));
            ledger.completed(task, SECOND.plusMillis(30));
        }

        assertThat(ledger.outstanding(WINDOW, 2)).isZero();
    }

    @Test
    void deadLettersOfTheRunAreCounted() {
        ledger.deadLetter();
        ledger.deadLetter();

        assertThat(ledger.summary(WINDOW, 1).deadLetters()).isEqualTo(2);
    }

    @Test
    void withoutAnyFireEveryFigureIsEmpty() {
        FireLedger.Summary summary = ledger.summary(WINDOW, 3);

        assertThat(summary.overall().expected()).isEqualTo(6);
        assertThat(summary.overall().fired()).isZero();
        assertThat(summary.overall().fireLateness().getTotalCount()).isZero();
        assertThat(FireLedger.Figures.merge(java.util.List.of()).fireTime()).isNull();
    }

    /** A fire of {@code schedule} for {@code fireTime}, {@code lateMillis} after it; answers its task id. */
    private UUID fire(UUID schedule, Instant fireTime, long lateMillis) {
        UUID task = UUID.randomUUID();
        ledger.fired(task, schedule, fireTime, fireTime.plusMillis(lateMillis));
        return task;
    }
}
