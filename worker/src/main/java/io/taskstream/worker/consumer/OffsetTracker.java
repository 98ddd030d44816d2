package io.taskstream.worker.consumer;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Per-partition completion tracking: which polled records are still unfinished, and so which offset
 * may be committed. A partition's commit point is its lowest unfinished offset, or one past the
 * highest record seen when all are finished — never beyond a record that is not done, however the
 * records around it finish (the same rule as Confluent's Parallel Consumer).
 *
 * <p>Not thread-safe: owned by the poll thread, which is also the only thread that commits.
 */
final class OffsetTracker {

    private final Map<TopicPartition, Progress> partitions = new HashMap<>();

    /** A record was polled and handed on; it is unfinished until {@link #complete}. */
    void track(TopicPartition partition, long offset) {
        Progress p = partitions.computeIfAbsent(partition, tp -> new Progress(offset));
        p.pending.add(offset);
        p.highest = Math.max(p.highest, offset);
    }

    /** The record is done (its result durable, or it was skipped); unknown offsets are ignored. */
    void complete(TopicPartition partition, long offset) {
        Progress p = partitions.get(partition);
        if (p != null) {
            p.pending.remove(offset);
        }
    }

    /**
     * Forgets every unfinished record of {@code partition} from its commit point on, because the
     * consumer is about to read them again from there. Answers that point, or -1 if nothing is tracked.
     */
    long rewind(TopicPartition partition) {
        Progress p = partitions.get(partition);
        if (p == null) {
            return -1;
        }
        long from = p.commitPoint();
        p.pending.tailSet(from, true).clear();
        p.highest = from - 1;
        return from;
    }

    /**
     * The offsets to commit for {@code among} whose commit point moved past what is committed or
     * being committed ({@link #requested}).
     */
    Map<TopicPartition, OffsetAndMetadata> committable(Collection<TopicPartition> among) {
        return commitPoints(among, true);
    }

    Map<TopicPartition, OffsetAndMetadata> committable() {
        return committable(partitions.keySet());
    }

    /** The offsets to commit for {@code among} whose commit point moved past what is known committed. */
    Map<TopicPartition, OffsetAndMetadata> uncommitted(Collection<TopicPartition> among) {
        return commitPoints(among, false);
    }

    private Map<TopicPartition, OffsetAndMetadata> commitPoints(Collection<TopicPartition> among,
                                                               boolean beyondRequested) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : among) {
            Progress p = partitions.get(tp);
            if (p != null && p.commitPoint() > (beyondRequested ? Math.max(p.requested, p.committed) : p.committed)) {
                offsets.put(tp, new OffsetAndMetadata(p.commitPoint()));
            }
        }
        return offsets;
    }

    /** An (asynchronous) commit of {@code offsets} was sent: {@link #committable} skips them until it fails. */
    void requested(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, offset) -> {
            Progress p = partitions.get(tp);
            if (p != null) {
                p.requested = Math.max(p.requested, offset.offset());
            }
        });
    }

    /** The commit of {@code offsets} failed: they are committable again. */
    void commitFailed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.keySet().forEach(tp -> {
            Progress p = partitions.get(tp);
            if (p != null) {
                p.requested = p.committed;
            }
        });
    }

    void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, offset) -> {
            Progress p = partitions.get(tp);
            if (p != null) {
                p.committed = Math.max(p.committed, offset.offset());
            }
        });
    }

    /** The partitions are no longer this consumer's. */
    void forget(Collection<TopicPartition> revoked) {
        revoked.forEach(partitions::remove);
    }

    /** Records polled and not yet finished, over all partitions. */
    int unfinished() {
        int n = 0;
        for (Progress p : partitions.values()) {
            n += p.pending.size();
        }
        return n;
    }

    /** Records polled and not yet finished, by topic. */
    Map<String, Integer> unfinishedByTopic() {
        Map<String, Integer> byTopic = new HashMap<>();
        partitions.forEach((tp, p) -> byTopic.merge(tp.topic(), p.pending.size(), Integer::sum));
        return byTopic;
    }

    private static final class Progress {
        final TreeSet<Long> pending = new TreeSet<>();
        long highest;
        /** Starts at the first offset polled: the consumer began there, so it is committed already. */
        long committed;
        /** The highest offset an asynchronous commit was sent for (it may yet fail). */
        long requested;

        Progress(long firstOffset) {
            highest = firstOffset - 1;
            committed = firstOffset;
            requested = firstOffset;
        }

        long commitPoint() {
            return pending.isEmpty() ? highest + 1 : pending.first();
        }
    }
}
