package io.taskstream.scheduler;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

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
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!allLed(admin, topics)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no partition leaders for " + topics.all() + " within 60 s");
                }
                Thread.sleep(100);
            }
            // the controller names leaders a moment before the broker serves them
            Thread.sleep(500);
        }
    }

    private static boolean allLed(Admin admin, Topics topics) throws Exception {
        return admin.describeTopics(topics.all()).allTopicNames().get().values().stream()
                .flatMap(t -> t.partitions().stream())
                .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
    }
}
