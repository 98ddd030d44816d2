package io.taskstream.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The catalog of Taskstream's topics, with the configurable prefix applied (default
 * {@code taskstream.}). The submit topics, {@code results} and {@code control} are all keyed by task
 * id and must have the same partition count: the scheduler's topology joins them (co-partitioning).
 */
public record Topics(String prefix) {

    public static final String DEFAULT_PREFIX = "taskstream.";

    public Topics {
        Objects.requireNonNull(prefix, "prefix");
        if (!prefix.matches("[a-zA-Z0-9._-]*")) {
            throw new IllegalArgumentException("topic prefix may only contain letters, digits, '.', '_' and '-'");
        }
    }

    public static Topics withDefaultPrefix() {
        return new Topics(DEFAULT_PREFIX);
    }

    public String submit(Priority priority) {
        return prefix + "submit." + priority.topicSuffix();
    }

    public String ready(Priority priority) {
        return prefix + "ready." + priority.topicSuffix();
    }

    public List<String> submitTopics() {
        return java.util.Arrays.stream(Priority.values()).map(this::submit).toList();
    }

    public List<String> readyTopics() {
        return java.util.Arrays.stream(Priority.values()).map(this::ready).toList();
    }

    public String results() {
        return prefix + "results";
    }

    public String events() {
        return prefix + "events";
    }

    public String dlq() {
        return prefix + "dlq";
    }

    public String schedules() {
        return prefix + "schedules";
    }

    public String control() {
        return prefix + "control";
    }

    /**
     * The scheduler's own topic, not part of the contract: when a task fired by a schedule ends, the
     * scheduler tells the schedule's owner (keyed {@code <tenantId>/<scheduleId>}, like {@code schedules},
     * with which it must be co-partitioned), for the {@code SKIP_IF_RUNNING} overlap guard.
     */
    public String scheduleRuns() {
        return prefix + "schedule-runs";
    }

    /** Every topic of the contract, and the scheduler's {@link #scheduleRuns}. */
    public List<String> all() {
        List<String> all = new ArrayList<>(submitTopics());
        all.addAll(readyTopics());
        all.addAll(List.of(results(), events(), dlq(), schedules(), control(), scheduleRuns()));
        return List.copyOf(all);
    }

    /**
     * The topics to create when they are missing, with {@code partitions} each and the given
     * replication factor (empty: the broker's default). {@code schedules} is compacted.
     */
    public List<NewTopic> newTopics(int partitions, Optional<Short> replicationFactor) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1");
        }
        return all().stream().map(name -> {
            NewTopic topic = new NewTopic(name, Optional.of(partitions), replicationFactor);
            if (name.equals(schedules())) {
                topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            }
            return topic;
        }).toList();
    }
}
