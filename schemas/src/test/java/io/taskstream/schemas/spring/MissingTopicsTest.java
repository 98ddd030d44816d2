package io.taskstream.schemas.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;

class MissingTopicsTest {

    private final List<List<String>> asked = new ArrayList<>();

    private MissingTopics withExisting(Map<String, Integer> partitions, List<String> names) {
        return new MissingTopics(request -> {
            asked.add(request);
            Map<String, Optional<TopicDescription>> found = new HashMap<>();
            request.forEach(name -> found.put(name, Optional.ofNullable(partitions.get(name)).map(n ->
                    new TopicDescription(name, false, IntStream.range(0, n).mapToObj(p ->
                            new TopicPartitionInfo(p, Node.noNode(), List.of(), List.of())).toList()))));
            return found;
        }, names);
    }

    @Test
    void onlyMissingTopicsAreCreatedAndExistingOnesAreNeverModified() {
        MissingTopics missing = withExisting(Map.of("a", 3, "b", 12), List.of("a", "b", "c"));

        assertThat(missing.test(new NewTopic("a", 12, (short) 1))).as("fewer partitions: left alone").isFalse();
        assertThat(missing.test(new NewTopic("b", 12, (short) 1))).isFalse();
        assertThat(missing.test(new NewTopic("c", 12, (short) 1))).as("missing: created").isTrue();
        assertThat(asked).as("one describe for the round").containsExactly(List.of("a", "b", "c"));
    }

    @Test
    void aSecondRoundAsksAgainAndAnUndeclaredTopicIsAskedAlone() {
        MissingTopics missing = withExisting(Map.of("a", 3), List.of("a"));
        missing.test(new NewTopic("a", 3, (short) 1));
        missing.test(new NewTopic("a", 3, (short) 1));
        assertThat(missing.test(new NewTopic("other", 1, (short) 1))).isTrue();
        assertThat(asked).containsExactly(List.of("a"), List.of("a"), List.of("other"));
    }

    @Test
    void whenKafkaCannotSayTheTopicCountsAsMissingSoKafkaAdminDecides() {
        MissingTopics missing = MissingTopics.through(Map.of("bootstrap.servers", "127.0.0.1:1",
                "request.timeout.ms", 200, "default.api.timeout.ms", 300), List.of("x"));
        assertThat(missing.test(new NewTopic("x", 1, (short) 1))).isTrue();
    }
}
