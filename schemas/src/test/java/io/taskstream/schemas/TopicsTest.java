package io.taskstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void namesCarryThePrefix() {
        Topics topics = new Topics("acme.");
        assertThat(topics.submit(Priority.CRITICAL)).isEqualTo("acme.submit.critical");
        assertThat(topics.ready(Priority.LOW)).isEqualTo("acme.ready.low");
        assertThat(topics.results()).isEqualTo("acme.results");
        assertThat(topics.events()).isEqualTo("acme.events");
        assertThat(topics.dlq()).isEqualTo("acme.dlq");
        assertThat(topics.schedules()).isEqualTo("acme.schedules");
        assertThat(topics.control()).isEqualTo("acme.control");
        assertThat(topics.scheduleRuns()).isEqualTo("acme.schedule-runs");
        assertThat(Topics.withDefaultPrefix().submit(Priority.NORMAL)).isEqualTo("taskstream.submit.normal");
    }

    @Test
    void theCatalogHasEveryTopicOfTheContractOnce() {
        Topics topics = Topics.withDefaultPrefix();
        assertThat(topics.all()).hasSize(14).doesNotHaveDuplicates()
                .containsAll(topics.submitTopics()).containsAll(topics.readyTopics());
    }

    @Test
    void onlySchedulesIsCompacted() {
        var created = Topics.withDefaultPrefix().newTopics(3, Optional.empty());
        assertThat(created).allMatch(t -> t.numPartitions() == 3);
        assertThat(created).filteredOn(t -> t.configs() != null && "compact".equals(t.configs().get("cleanup.policy")))
                .extracting(NewTopic::name).containsExactly("taskstream.schedules");
        assertThatThrownBy(() -> Topics.withDefaultPrefix().newTopics(0, Optional.empty())).hasMessageContaining("partitions");
    }

    @Test
    void prefixesWithOddCharactersAreRefused() {
        assertThatThrownBy(() -> new Topics("a b")).hasMessageContaining("prefix");
    }

    @Test
    void settingsDefaultToTwelvePartitionsAndTheBrokersReplication() {
        TopicSettings settings = TopicSettings.defaults();
        assertThat(settings.prefix()).isEqualTo("taskstream.");
        assertThat(settings.newTopics()).allMatch(t -> t.numPartitions() == 12 && t.replicationFactor() == -1);
        TopicSettings explicit = new TopicSettings("x.", 2, (short) 3);
        assertThat(explicit.topics().events()).isEqualTo("x.events");
        assertThat(explicit.newTopics()).allMatch(t -> t.replicationFactor() == 3);
        assertThatThrownBy(() -> new TopicSettings(null, 0, null)).hasMessageContaining("partitions");
        assertThatThrownBy(() -> new TopicSettings(null, null, (short) 0)).hasMessageContaining("replication");
    }

    @Test
    void documentsHaveStableWireNames() {
        assertThat(Document.TASK_SUBMISSION.header()).isEqualTo("task-submission/v1");
        assertThat(Document.of(TaskEvent.class)).isEqualTo(Document.TASK_EVENT);
        assertThat(Document.DEAD_LETTER.schemaResource()).isEqualTo("schemas/dead-letter.v1.json");
        assertThatThrownBy(() -> Document.of(String.class)).hasMessageContaining("not a wire document");
        assertThat(SchemaValidator.schemaText(Document.CONTROL_COMMAND)).contains("\"$schema\"");
    }
}
