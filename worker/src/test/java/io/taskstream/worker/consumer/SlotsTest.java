package io.taskstream.worker.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.junit.jupiter.api.Test;

import io.taskstream.schemas.Priority;
import io.taskstream.worker.support.ManualLane;

/**
 * The slots decide who runs next. A {@link ManualLane} stands for the threads: an item counts as
 * running from the moment the slots hand it to the lane until the test runs it to its end.
 */
class SlotsTest {

    final ManualLane lane = new ManualLane();
    final List<String> ran = new ArrayList<>();
    final List<String> refused = new ArrayList<>();

    Slots<String> slots(int n, Map<Priority, Double> minimumShare) {
        return new Slots<>(n, minimumShare, lane, ran::add, refused::add);
    }

    @Test
    void atMostSlotsItemsRunAtOnceAndAFinishedOneMakesRoomForTheNext() {
        Slots<String> slots = slots(2, Map.of());
        for (String item : List.of("a", "b", "c", "d")) {
            slots.submit(item, Priority.NORMAL, item);
        }

        assertThat(slots.busy()).isEqualTo(2);
        assertThat(slots.waiting()).isEqualTo(2);
        assertThat(lane.queuedCount()).isEqualTo(2);

        lane.runNext();
        assertThat(ran).containsExactly("a");
        assertThat(lane.queuedCount()).as("c took a's slot").isEqualTo(2);

        lane.runAll();
        assertThat(ran).containsExactly("a", "b", "c", "d");
        assertThat(slots.busy()).isZero();
        assertThat(slots.waiting()).isZero();
    }

    @Test
    void theMostImportantWaitingPriorityGoesFirstAndEachPriorityIsFirstInFirstOut() {
        Slots<String> slots = slots(1, Map.of());
        slots.submit("running", Priority.LOW, "k0");
        slots.submit("low-1", Priority.LOW, "k1");
        slots.submit("normal", Priority.NORMAL, "k2");
        slots.submit("low-2", Priority.LOW, "k3");
        slots.submit("critical", Priority.CRITICAL, "k4");
        slots.submit("high", Priority.HIGH, "k5");

        lane.runAll();

        assertThat(ran).containsExactly("running", "critical", "high", "normal", "low-1", "low-2");
    }

    @Test
    void aLessImportantPriorityGetsItsMinimumShareWhileMoreImportantWorkKeepsComing() {
        Slots<String> slots = slots(1, Map.of(Priority.LOW, 0.05));
        for (int i = 0; i < 400; i++) {
            slots.submit("high-" + i, Priority.HIGH, "h" + i);
            slots.submit("low-" + i, Priority.LOW, "l" + i);
        }

        for (int i = 0; i < 400; i++) {
            lane.runNext();
        }

        long low = ran.stream().filter(item -> item.startsWith("low-")).count();
        assertThat(low).as("LOW starts among 400 while HIGH always waits").isBetween(19L, 21L);
        // never starved for long: at most a window's worth of HIGH between two LOW starts
        int sinceLow = 0;
        int longestWait = 0;
        for (String item : ran) {
            sinceLow = item.startsWith("low-") ? 0 : sinceLow + 1;
            longestWait = Math.max(longestWait, sinceLow);
        }
        assertThat(longestWait).isLessThanOrEqualTo(Slots.WINDOW);
        assertThat(ran.stream().filter(item -> item.startsWith("low-")).toList())
                .as("first in, first out within LOW").isSortedAccordingTo(
                        (a, b) -> Integer.compare(Integer.parseInt(a.substring(4)), Integer.parseInt(b.substring(4))));
    }

    @Test
    void withoutMoreImportantWorkALowPriorityTakesEverySlot() {
        Slots<String> slots = slots(3, Map.of(Priority.LOW, 0.05));
        for (int i = 0; i < 5; i++) {
            slots.submit("low-" + i, Priority.LOW, "l" + i);
        }
        assertThat(slots.busy()).isEqualTo(3);
        lane.runAll();
        assertThat(ran).hasSize(5);
    }

    @Test
    void itemsSharingAKeyRunOneAtATimeInOrderWhileOtherKeysGoOn() {
        Slots<String> slots = slots(3, Map.of());
        slots.submit("a1", Priority.LOW, "a");
        slots.submit("a2", Priority.CRITICAL, "a"); // more important, yet behind a1 of its key
        slots.submit("b1", Priority.NORMAL, "b");
        slots.submit("a3", Priority.LOW, "a");

        assertThat(slots.busy()).as("a1 and b1 run; a2 and a3 wait for a1 though a slot is free").isEqualTo(2);
        assertThat(slots.waiting()).isEqualTo(2);

        lane.runNext(); // a1 ends: a2 may start
        assertThat(slots.busy()).isEqualTo(2);
        lane.runAll();

        assertThat(ran).containsExactly("a1", "b1", "a2", "a3");
    }

    @Test
    void removedWaitingItemsNeverRunAndTheirKeysMoveOn() {
        Slots<String> slots = slots(1, Map.of());
        slots.submit("running", Priority.NORMAL, "r");
        slots.submit("drop-1", Priority.NORMAL, "k");
        slots.submit("keep-1", Priority.NORMAL, "k");
        slots.submit("drop-2", Priority.NORMAL, "j");
        slots.submit("drop-3", Priority.NORMAL, "j");

        List<String> removed = slots.removeWaiting(item -> item.startsWith("drop-"));
        lane.runAll();

        assertThat(removed).containsExactlyInAnyOrder("drop-1", "drop-2", "drop-3");
        assertThat(ran).containsExactly("running", "keep-1");
        assertThat(slots.waiting()).isZero();
    }

    @Test
    void itemsTheThreadsRefuseAreHandedBackAndFreeTheirSlotAndKey() {
        Executor shutDown = command -> {
            throw new RejectedExecutionException("shut down");
        };
        Slots<String> slots = new Slots<>(1, Map.of(), shutDown, ran::add, refused::add);

        slots.submit("a", Priority.NORMAL, "k");
        slots.submit("b", Priority.NORMAL, "k");

        assertThat(refused).containsExactly("a", "b");
        assertThat(ran).isEmpty();
        assertThat(slots.busy()).isZero();
        assertThat(slots.waiting()).isZero();
    }

    @Test
    void minimumSharesMustLeaveRoomForTheMostImportant() {
        assertThatThrownBy(() -> slots(1, Map.of(Priority.LOW, 0.5, Priority.NORMAL, 0.5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("less than 1");
        assertThatThrownBy(() -> slots(1, Map.of(Priority.LOW, -0.1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
        assertThatThrownBy(() -> slots(0, Map.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
