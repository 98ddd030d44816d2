package io.taskstream.worker.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

    static final TopicPartition P0 = new TopicPartition("taskstream.ready.normal", 0);
    static final TopicPartition P1 = new TopicPartition("taskstream.ready.normal", 1);

    final OffsetTracker tracker = new OffsetTracker();

    @Test
    void nothingIsCommittableWhileTheLowestRecordIsUnfinished() {
        tracker.track(P0, 10);
        tracker.track(P0, 11);
        tracker.track(P0, 12);
        tracker.complete(P0, 11);
        tracker.complete(P0, 12);

        assertThat(tracker.committable()).isEmpty();
        assertThat(tracker.unfinished()).isEqualTo(1);

        tracker.complete(P0, 10);
        assertThat(tracker.committable()).containsExactly(Map.entry(P0, new OffsetAndMetadata(13)));
    }

    @Test
    void theCommitPointIsTheLowestUnfinishedOffset() {
        for (long offset = 0; offset < 5; offset++) {
            tracker.track(P0, offset);
        }
        tracker.complete(P0, 0);
        tracker.complete(P0, 1);
        tracker.complete(P0, 3);

        assertThat(tracker.committable()).containsExactly(Map.entry(P0, new OffsetAndMetadata(2)));
    }

    @Test
    void theFirstPolledOffsetIsWhereTheConsumerStartedSoItIsNotCommittedAgain() {
        tracker.track(P0, 5);
        assertThat(tracker.committable()).isEmpty();
    }

    @Test
    void aCommitPointIsOfferedOnceUntilItMovesAgain() {
        tracker.track(P0, 0);
        tracker.complete(P0, 0);
        Map<TopicPartition, OffsetAndMetadata> first = tracker.committable();
        tracker.markCommitted(first);

        assertThat(tracker.committable()).isEmpty();
        tracker.track(P0, 1);
        tracker.complete(P0, 1);
        assertThat(tracker.committable()).containsExactly(Map.entry(P0, new OffsetAndMetadata(2)));
    }

    @Test
    void partitionsAreTrackedApart() {
        tracker.track(P0, 0);
        tracker.track(P1, 7);
        tracker.complete(P1, 7);

        assertThat(tracker.committable()).containsExactly(Map.entry(P1, new OffsetAndMetadata(8)));
        assertThat(tracker.committable(List.of(P0))).isEmpty();
    }

    @Test
    void rewindingForgetsEverythingFromTheCommitPointOn() {
        for (long offset = 0; offset < 4; offset++) {
            tracker.track(P0, offset);
        }
        tracker.complete(P0, 0);
        tracker.complete(P0, 2);

        assertThat(tracker.rewind(P0)).isEqualTo(1);
        assertThat(tracker.unfinished()).isZero();
        assertThat(tracker.committable()).containsExactly(Map.entry(P0, new OffsetAndMetadata(1)));

        // read again from offset 1: a late success of the first pass still counts
        tracker.track(P0, 1);
        tracker.track(P0, 2);
        tracker.complete(P0, 2);
        assertThat(tracker.committable()).containsExactly(Map.entry(P0, new OffsetAndMetadata(1)));
        tracker.complete(P0, 1);
        assertThat(tracker.committable()).containsExactly(Map.entry(P0, new OffsetAndMetadata(3)));
    }

    @Test
    void forgottenPartitionsAreNeitherCommittedNorCounted() {
        tracker.track(P0, 0);
        tracker.forget(List.of(P0));
        tracker.complete(P0, 0);

        assertThat(tracker.committable()).isEmpty();
        assertThat(tracker.unfinished()).isZero();
        assertThat(tracker.rewind(P0)).isEqualTo(-1);
    }

    @Test
    void aRequestedCommitIsNotOfferedAgainUnlessItFails() {
        tracker.track(P0, 0);
        tracker.complete(P0, 0);
        Map<TopicPartition, OffsetAndMetadata> first = tracker.committable();
        tracker.requested(first);

        assertThat(tracker.committable()).as("being committed").isEmpty();
        assertThat(tracker.uncommitted(List.of(P0))).as("not known durable yet").isEqualTo(first);

        tracker.commitFailed(first);
        assertThat(tracker.committable()).isEqualTo(first);

        tracker.requested(first);
        tracker.markCommitted(first);
        assertThat(tracker.committable()).isEmpty();
        assertThat(tracker.uncommitted(List.of(P0))).isEmpty();
    }

    @Test
    void unfinishedRecordsAreCountedPerTopic() {
        TopicPartition low = new TopicPartition("taskstream.ready.low", 0);
        tracker.track(P0, 0);
        tracker.track(P1, 0);
        tracker.track(low, 5);
        tracker.complete(P1, 0);

        assertThat(tracker.unfinishedByTopic())
                .isEqualTo(Map.of("taskstream.ready.normal", 1, "taskstream.ready.low", 1));
    }
}
