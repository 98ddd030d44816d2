package io.taskstream.worker.heartbeat;

import static io.taskstream.worker.support.Dispatches.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.MutableClock;
import io.taskstream.embedded.SharedInfrastructure;

/**
 * The supervisor against a real poll loop on the shared embedded Kafka broker: a loop whose thread
 * died, and one that hangs outside {@code poll}, are restarted and read on. Time is stepped: the
 * supervisor's clock is a {@link MutableClock} and each test calls {@link LoopSupervisor#check()}.
 */
class LoopSupervisorIT {

    static final Duration STALL = Duration.ofSeconds(30);
    static final Duration WITHIN = Duration.ofSeconds(60);

    final String bootstrap = SharedInfrastructure.forClass(LoopSupervisorIT.class).kafkaBootstrap();
    final String topic = "it-" + UUID.randomUUID().toString().substring(0, 8) + ".supervised";
    final MutableClock clock = new MutableClock(T0);
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    KafkaProducer<String, String> producer;
    KafkaPollLoop loop;
    LoopSupervisor supervisor;

    @BeforeEach
    void setUp() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
        loop = new KafkaPollLoop(bootstrap, topic);
        supervisor = new LoopSupervisor(List.of(loop), STALL, Duration.ofSeconds(1), clock, meters);
    }

    @AfterEach
    void tearDown() {
        loop.close();
        producer.close();
    }

    void send(String value) throws Exception {
        producer.send(new ProducerRecord<>(topic, value)).get();
    }

    @Test
    void aPollLoopWhoseThreadDiedIsRestartedAndReadsOn() throws Exception {
        loop.start();
        send("before");
        await().atMost(WITHIN).until(() -> loop.hasRead(1, "before"));
        assertThat(supervisor.check()).isZero();

        loop.die();
        await().atMost(WITHIN).until(() -> !loop.thread().isAlive());
        clock.advance(Duration.ofSeconds(1));

        assertThat(supervisor.check()).isEqualTo(1);
        send("after");
        await().atMost(WITHIN).until(() -> loop.hasRead(2, "after"));
        assertThat(loop.restarts).hasValue(1);
        assertThat(loop.isAlive()).isTrue();
        assertThat(meters.get(LoopSupervisor.RESTARTS_METRIC).tag("loop", "test-poll-loop").counter().count())
                .isEqualTo(1);
    }

    @Test
    void aPollLoopThatHangsIsRestartedOnceItMadeNoProgressForTheStallTimeout() throws Exception {
        loop.start();
        await().atMost(WITHIN).until(() -> loop.progress() > 0);
        supervisor.check();

        loop.hang();
        await().atMost(WITHIN).until(loop::isHanging);
        Thread hung = loop.thread();
        supervisor.check(); // its last progress, seen now
        clock.advance(STALL.minusMillis(1));
        assertThat(supervisor.check()).isZero();
        assertThat(loop.restarts).hasValue(0);

        clock.advance(Duration.ofMillis(1));
        assertThat(supervisor.check()).isEqualTo(1);

        assertThat(hung.isAlive()).isFalse();
        assertThat(loop.generation()).isEqualTo(2);
        send("after");
        await().atMost(WITHIN).until(() -> loop.hasRead(2, "after"));
        assertThat(supervisor.status()).singleElement().satisfies(status -> {
            assertThat(status.alive()).isTrue();
            assertThat(status.stalled()).isFalse();
            assertThat(status.restarts()).isEqualTo(1);
        });
    }
}
