package io.taskstream.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.taskstream.embedded.Infrastructure;
import io.taskstream.embedded.InfrastructureExtension;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.Topics;
import io.taskstream.schemas.spring.TopicsConfiguration;

/**
 * A service starting against topics that exist with another partition count leaves them as they are
 * (Spring's KafkaAdmin alone would add partitions, moving task ids under a running scheduler — the
 * benchmark found a worker of 12 partitions doing that to a deployment of 3), and still creates the
 * topics that are missing, with its configured count.
 */
@ExtendWith(InfrastructureExtension.class)
class ExistingTopicsIT {

    @Test
    void existingTopicsKeepTheirPartitionsAndMissingOnesAreCreated(Infrastructure infrastructure) throws Exception {
        String prefix = "existing-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Topics topics = new Topics(prefix);
        String existing = topics.submit(Priority.NORMAL);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                infrastructure.kafkaBootstrap()))) {
            admin.createTopics(List.of(new NewTopic(existing, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);

            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class))
                    .withUserConfiguration(TopicsConfiguration.class)
                    .withPropertyValues("spring.kafka.bootstrap-servers=" + infrastructure.kafkaBootstrap(),
                            "taskstream.topics.prefix=" + prefix, "taskstream.topics.partitions=12",
                            "taskstream.topics.replication-factor=1")
                    .run(context -> assertThat(context).hasNotFailed());

            // the broker's metadata may trail the controller's by a moment: a partition added would show within it
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(describe(admin, topics).get(existing).partitions())
                            .as("the existing topic").hasSize(3));
            Map<String, TopicDescription> described = describe(admin, topics);
            assertThat(described).hasSize(topics.all().size());
            described.forEach((name, description) -> {
                if (!name.equals(existing)) {
                    assertThat(description.partitions()).as(name).hasSize(12);
                }
            });
        }
    }

    private static Map<String, TopicDescription> describe(Admin admin, Topics topics) throws Exception {
        return admin.describeTopics(topics.all()).allTopicNames().get(30, TimeUnit.SECONDS);
    }
}
