package io.taskstream.ingest.admission;

import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

import io.taskstream.schemas.Priority;
import io.taskstream.schemas.Topics;

/**
 * Reads the queue depths from Kafka's Admin API: for each partition of {@code ready.<priority>}, the
 * last stable offset ({@code OffsetSpec.latest()}, read-committed, so that an open transaction of the
 * scheduler does not count) minus what the workers' group committed; a partition where the group
 * committed nothing counts from its earliest offset, where the workers' {@code auto.offset.reset=earliest}
 * would start. These are offsets, not records: the scheduler's transaction markers take offsets too, so
 * the depth overstates a lightly loaded queue a little (one offset per partition per transaction).
 * <p>
 * Four requests a reading (describe the topics, the group's offsets, the end and start offsets), each
 * bounded by {@code timeout}. The admin client is created on first use, so that a broker that cannot be
 * resolved at start-up is a failed reading rather than a failed start.
 */
final class ConsumerLag implements QueueDepths.Source, AutoCloseable {

    /** The longest a single Admin API request of a reading may take. */
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Map<String, Object> adminConfig;
    private final Map<String, Priority> readyTopics;
    private final String groupId;
    private final Duration timeout;
    /** Guarded by {@code this}: created once, closed on shutdown. */
    private Admin admin;

    ConsumerLag(Map<String, Object> adminConfig, Topics topics, String groupId, Duration timeout) {
        this.adminConfig = new HashMap<>(adminConfig);
        int timeoutMs = (int) timeout.toMillis();
        this.adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        this.adminConfig.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        this.readyTopics = Arrays.stream(Priority.values())
                .collect(Collectors.toMap(topics::ready, Function.identity()));
        this.groupId = groupId;
        this.timeout = timeout;
    }

    @Override
    public Map<Priority, Long> read() throws InterruptedException, ExecutionException, TimeoutException {
        Admin admin = admin();
        Map<String, TopicDescription> described = await(admin.describeTopics(readyTopics.keySet()).allTopicNames());
        List<TopicPartition> partitions = described.values().stream()
                .flatMap(topic -> topic.partitions().stream().map(p -> new TopicPartition(topic.name(), p.partition())))
                .toList();

        Map<TopicPartition, OffsetAndMetadata> committed = await(admin.listConsumerGroupOffsets(
                        Map.of(groupId, new ListConsumerGroupOffsetsSpec().topicPartitions(partitions)))
                .partitionsToOffsetAndMetadata(groupId));
        ListOffsetsOptions readCommitted = new ListOffsetsOptions(IsolationLevel.READ_COMMITTED);
        Map<TopicPartition, ListOffsetsResultInfo> ends = await(admin.listOffsets(
                partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())), readCommitted).all());
        Map<TopicPartition, ListOffsetsResultInfo> starts = await(admin.listOffsets(
                partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.earliest())), readCommitted).all());

        Map<Priority, Long> depths = new EnumMap<>(Priority.class);
        readyTopics.values().forEach(priority -> depths.put(priority, 0L));
        for (TopicPartition partition : partitions) {
            long start = starts.get(partition).offset();
            OffsetAndMetadata done = committed.get(partition);
            // a committed offset below the log start (retention removed records) counts from the start
            long from = done == null ? start : Math.max(start, done.offset());
            long lag = Math.max(0, ends.get(partition).offset() - from);
            depths.merge(readyTopics.get(partition.topic()), lag, Long::sum);
        }
        return depths;
    }

    private <T> T await(KafkaFuture<T> future) throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(adminConfig);
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
            admin = null;
        }
    }
}
