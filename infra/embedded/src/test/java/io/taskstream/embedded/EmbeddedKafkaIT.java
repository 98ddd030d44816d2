package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaIT {

    @Test
    void createsTopicProducesAndConsumesThenStopsOnClose() throws Exception {
        String bootstrap;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            bootstrap = kafka.bootstrapServers();
            assertThat(bootstrap).matches("[\\w.-]+:\\d+");
            assertThat(kafka.startupTime()).isPositive();

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("greetings", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("greetings");
                // single-node settings are in force
                assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
            }

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                RecordMetadata sent = producer.send(new ProducerRecord<>("greetings", "k1", "hello")).get(30, TimeUnit.SECONDS);
                assertThat(sent.offset()).isZero();
            }

            List<ConsumerRecord<String, String>> received = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.GROUP_ID_CONFIG, "embedded-kafka-it",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
                consumer.subscribe(Set.of("greetings"));
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                    return !received.isEmpty();
                });
                consumer.commitSync();
            }
            assertThat(received).singleElement().satisfies(record -> {
                assertThat(record.key()).isEqualTo("k1");
                assertThat(record.value()).isEqualTo("hello");
            });
            assertThat(System.getProperty(EmbeddedKafka.BROKERS_PROPERTY)).isEqualTo(bootstrap);
            assertThat(FreePorts.accepts(host(bootstrap), port(bootstrap))).as("broker port while running").isTrue();
        }
        assertThat(FreePorts.accepts(host(bootstrap), port(bootstrap))).as("broker port after close").isFalse();
        assertThat(System.getProperty(EmbeddedKafka.BROKERS_PROPERTY)).isNull();
    }

    private static String host(String bootstrap) {
        return bootstrap.substring(0, bootstrap.lastIndexOf(':'));
    }

    private static int port(String bootstrap) {
        return Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
    }

    @Test
    void autoTopicCreationIsOffAndOverridesApply() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(Map.of("num.partitions", "3"))) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("defaults", java.util.Optional.empty(), java.util.Optional.empty())))
                        .all().get(30, TimeUnit.SECONDS);
                assertThat(admin.describeTopics(List.of("defaults")).allTopicNames().get(30, TimeUnit.SECONDS)
                        .get("defaults").partitions()).hasSize(3);
                assertThat(admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                                org.apache.kafka.common.config.ConfigResource.Type.BROKER,
                                String.valueOf(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().id()))))
                        .all().get(30, TimeUnit.SECONDS).values().iterator().next()
                        .get("auto.create.topics.enable").value()).isEqualTo("false");
            }
        }
    }
}
