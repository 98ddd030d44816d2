package io.taskstream.scheduler;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

import io.taskstream.schemas.Topics;

/** Creates the contract's topics on a real broker for the integration tests and the benchmark. */
final class TestTopics {

    private TestTopics() {
    }

    /**
     * Creates every topic of {@code topics} and returns once each partition has a leader and
     * accepts writes: {@code createTopics} returns earlier, and producing into a partition the
     * broker has not loaded yet only earns {@code NOT_LEADER_OR_FOLLOWER} retries.
     */
    static void create(String bootstrap, Topics topics, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(topics.newTopics(partitions, Optional.of((short) 1))).all().get();
            // the controller names leaders a moment before the broker serves them: wait until every
            // partition has a leader AND the broker answers for it (its latest offset)
            await("partition leaders for " + topics.all()).atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> allLed(admin, topics) && allServed(admin, topics));
        }
    }

    private static boolean allServed(Admin admin, Topics topics) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(topics.all()).allTopicNames().get().values().forEach(t -> t.partitions()
                .forEach(p -> latest.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.latest())));
        return admin.listOffsets(latest).all().get().size() == latest.size();
    }

    private static boolean allLed(Admin admin, Topics topics) throws Exception {
        return admin.describeTopics(topics.all()).allTopicNames().get().values().stream()
                .flatMap(t -> t.partitions().stream())
                .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
    }
}
