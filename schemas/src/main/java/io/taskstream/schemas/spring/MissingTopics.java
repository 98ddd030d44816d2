package io.taskstream.schemas.spring;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of the contract's topics a service's {@code KafkaAdmin} may create or modify: only the missing
 * ones. Left alone, Spring's {@code KafkaAdmin} also <em>adds partitions</em> to an existing topic that has
 * fewer than the service is configured for — which moves task ids to other partitions under a running
 * scheduler, whose co-partitioned state stays where it was: a worker started with the default 12 partitions
 * against a deployment of 3 left the tasks of 9 partitions unreachable (found by the benchmark). An existing
 * topic is left as it is, with a warning when its partition count differs from the configuration.
 *
 * <p>The existing topics are asked for once per round of {@code KafkaAdmin}'s checks (one describe of every
 * name), not once per topic. If Kafka cannot say, the topic counts as missing: {@code KafkaAdmin} then
 * creates it or fails the start-up with its own message, as before.
 */
final class MissingTopics implements Predicate<NewTopic> {

    private static final Logger log = LoggerFactory.getLogger(MissingTopics.class);

    private final Function<List<String>, Map<String, Optional<TopicDescription>>> describe;
    private final List<String> names;
    private final Map<String, Optional<TopicDescription>> round = new HashMap<>();

    /**
     * @param describe answers, for each name, its description or empty when the topic does not exist
     * @param names    every topic the service declares
     */
    MissingTopics(Function<List<String>, Map<String, Optional<TopicDescription>>> describe, List<String> names) {
        this.describe = describe;
        this.names = List.copyOf(names);
    }

    /** Describes the topics through an {@link Admin} made from {@code config} for each round. */
    static MissingTopics through(Map<String, Object> config, List<String> names) {
        return new MissingTopics(asked -> describe(config, asked), names);
    }

    @Override
    public synchronized boolean test(NewTopic topic) {
        if (!round.containsKey(topic.name())) {
            round.putAll(describe.apply(names.contains(topic.name()) ? names : List.of(topic.name())));
        }
        Optional<TopicDescription> existing = round.remove(topic.name());
        if (existing == null || existing.isEmpty()) {
            return true;
        }
        int partitions = existing.get().partitions().size();
        if (topic.numPartitions() > 0 && partitions != topic.numPartitions()) {
            log.warn("Topic {} has {} partitions, this service is configured for {} (taskstream.topics.partitions);"
                    + " left as it is: adding partitions would move tasks under a running scheduler", topic.name(),
                    partitions, topic.numPartitions());
        }
        return false;
    }

    private static Map<String, Optional<TopicDescription>> describe(Map<String, Object> config, List<String> names) {
        Map<String, Optional<TopicDescription>> found = new HashMap<>();
        try (Admin admin = Admin.create(config)) {
            Map<String, KafkaFuture<TopicDescription>> answers = admin.describeTopics(names).topicNameValues();
            for (String name : names) {
                try {
                    found.put(name, Optional.of(answers.get(name).get(30, TimeUnit.SECONDS)));
                } catch (ExecutionException | TimeoutException e) {
                    found.put(name, Optional.empty()); // missing, or Kafka cannot say: KafkaAdmin decides
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            names.forEach(name -> found.put(name, Optional.empty()));
        } catch (RuntimeException e) {
            names.forEach(name -> found.put(name, Optional.empty()));
        }
        return found;
    }
}
