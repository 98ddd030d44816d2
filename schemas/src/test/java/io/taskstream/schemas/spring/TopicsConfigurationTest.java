package io.taskstream.schemas.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.kafka.core.KafkaAdmin;

import io.taskstream.schemas.TopicSettings;
import io.taskstream.schemas.Topics;

class TopicsConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(TopicsConfiguration.class);

    @Test
    void defaultsNameTheContractsTopicsAndCreateThemAll() {
        runner.run(context -> {
            assertThat(context.getBean(Topics.class)).isEqualTo(Topics.withDefaultPrefix());
            assertThat(context).hasSingleBean(KafkaAdmin.NewTopics.class);
            assertThat(context.getBean(TopicSettings.class).newTopics()).hasSize(14)
                    .allMatch(t -> t.numPartitions() == 12);
        });
    }

    @Test
    void bindsTaskstreamTopicsProperties() {
        runner.withPropertyValues("taskstream.topics.prefix=acme.", "taskstream.topics.partitions=3",
                "taskstream.topics.replication-factor=2").run(context -> {
                    assertThat(context.getBean(TopicSettings.class)).isEqualTo(new TopicSettings("acme.", 3, (short) 2));
                    assertThat(context.getBean(Topics.class).events()).isEqualTo("acme.events");
                    assertThat(context).hasSingleBean(KafkaAdmin.NewTopics.class);
                });
    }

    @Test
    void aBadValueStopsTheContextNamingTheProperty() {
        runner.withPropertyValues("taskstream.topics.partitions=0").run(context ->
                assertThat(context).hasFailed().getFailure().hasStackTraceContaining("taskstream.topics.partitions"));
    }
}
