package io.taskstream.schemas;

import java.util.Objects;
import java.util.Optional;

import org.apache.kafka.clients.admin.NewTopic;

/**
 * How the services name and create topics; bound from {@code taskstream.topics.*} by every service.
 *
 * @param prefix             prepended to every topic name (default {@code taskstream.})
 * @param partitions         partitions of each topic a service creates when missing (default 12)
 * @param replicationFactor  replication of created topics; {@code -1} uses the broker's default
 */
public record TopicSettings(String prefix, Integer partitions, Short replicationFactor) {

    public TopicSettings {
        prefix = Objects.requireNonNullElse(prefix, Topics.DEFAULT_PREFIX);
        partitions = Objects.requireNonNullElse(partitions, 12);
        replicationFactor = Objects.requireNonNullElse(replicationFactor, (short) -1);
        if (partitions < 1) {
            throw new IllegalArgumentException("taskstream.topics.partitions must be at least 1");
        }
        if (replicationFactor == 0 || replicationFactor < -1) {
            throw new IllegalArgumentException("taskstream.topics.replication-factor must be -1 or positive");
        }
    }

    public static TopicSettings defaults() {
        return new TopicSettings(null, null, null);
    }

    public Topics topics() {
        return new Topics(prefix);
    }

    public java.util.List<NewTopic> newTopics() {
        return topics().newTopics(partitions,
                replicationFactor == -1 ? Optional.empty() : Optional.of(replicationFactor));
    }
}
