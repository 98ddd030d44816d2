package io.taskstream.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Samples the consumer lag of one group on some topics (end offsets minus committed offsets, a
 * partition without a commit counting from its earliest offset) at a fixed interval while a run goes
 * on: how far the projection (or the workers) fall behind under load, and how long they take to catch
 * up once it stops.
 */
public final class LagProbe implements AutoCloseable {

    /** One sample: milliseconds since the probe started, and the group's total lag then. */
    public record Sample(long atMillis, long lag) {
    }

    private final Admin admin;
    private final String group;
    private final Collection<String> topics;
    private final Duration timeout;
    private final List<Sample> samples = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("lag-probe").factory());
    private long startNanos;
    private volatile int partitions;

    public LagProbe(Admin admin, String group, Collection<String> topics, Duration timeout) {
        this.admin = admin;
        this.group = group;
        this.topics = List.copyOf(topics);
        this.timeout = timeout;
    }

    /** The group's total lag over the topics now. */
    public long lag() throws InterruptedException, ExecutionException, TimeoutException {
        Set<TopicPartition> partitions = new java.util.HashSet<>();
        admin.describeTopics(topics).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .forEach((topic, description) -> description.partitions()
                        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition()))));
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        this.partitions = partitions.size();
        Map<TopicPartition, Long> latest = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> earliest = offsets(partitions, OffsetSpec.earliest());
        long lag = 0;
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata commit = committed.get(partition);
            long from = commit == null ? earliest.get(partition) : commit.offset();
            lag += Math.max(0, latest.get(partition) - from);
        }
        return lag;
    }

    private Map<TopicPartition, Long> offsets(Set<TopicPartition> partitions, OffsetSpec spec)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(p -> request.put(p, spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> answer = admin.listOffsets(request).all()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> offsets = new HashMap<>();
        answer.forEach((p, info) -> offsets.put(p, info.offset()));
        return offsets;
    }

    /**
     * Whether a lag is as good as none: the topics' partitions (as last seen) may each end with a
     * transaction marker, which a consumer never commits past until the next record (the scheduler
     * writes {@code events} in transactions), so up to one offset per partition is not work left.
     */
    public boolean caughtUp(long lag) {
        return lag <= partitions;
    }

    /** A lag less what may be transaction markers (one per partition, see {@link #caughtUp}): records of work. */
    public long work(long lag) {
        return Math.max(0, lag - partitions);
    }

    /** Starts sampling every {@code interval} in the background; a failed sample is skipped. */
    public LagProbe start(Duration interval) {
        startNanos = System.nanoTime();
        timer.scheduleAtFixedRate(this::sample, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void sample() {
        try {
            long lag = lag();
            synchronized (samples) {
                samples.add(new Sample((System.nanoTime() - startNanos) / 1_000_000, lag));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // skipped: a broker busy enough to time out a sample is itself a finding, visible as a gap
        }
    }

    /** The samples so far, oldest first. */
    public List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    /** The highest lag sampled so far (0 without samples). */
    public long maxLag() {
        return samples().stream().mapToLong(Sample::lag).max().orElse(0);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
