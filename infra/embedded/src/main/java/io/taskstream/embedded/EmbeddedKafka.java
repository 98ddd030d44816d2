package io.taskstream.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.common.utils.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * An in-process, single-node KRaft Kafka broker (Spring Kafka's {@link EmbeddedKafkaKraftBroker}
 * over Kafka's {@code KafkaClusterTestKit}) on a random port, with its logs in a temp directory.
 *
 * <p>Topics are not created automatically ({@code auto.create.topics.enable=false}): services
 * create their own. Internal topics use replication factor 1.
 *
 * <p>Gotcha handled here: the test kit registers JVM shutdown hooks (through Kafka's
 * {@link Exit}) that delete the broker's log directory. Left alone they race whoever closes the
 * broker at JVM exit ("log dir offline", {@code Exit.halt(1)}). We capture them while the broker
 * starts and run them ourselves after the broker is destroyed.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    /** Broker settings for one node; {@link #start(Map)} overrides win. */
    public static final Map<String, String> SINGLE_NODE_CONFIG = singleNodeConfig();

    /**
     * System property the broker's address is published under (the test kit insists on setting
     * one; the default would be {@code spring.kafka.bootstrap-servers}, which would silently
     * override every Spring application's own setting in this JVM).
     */
    public static final String BROKERS_PROPERTY = "taskstream.embedded.kafka.bootstrap-servers";

    /** {@link Exit}'s shutdown-hook adder is JVM-global: one broker starts at a time. */
    private static final ReentrantLock EXIT_HOOK_CAPTURE = new ReentrantLock();

    private final EmbeddedKafkaKraftBroker broker;
    private final String bootstrapServers;
    private final List<Runnable> kafkaShutdownHooks;
    private final Duration startupTime;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;

    private EmbeddedKafka(EmbeddedKafkaKraftBroker broker, List<Runnable> kafkaShutdownHooks, Duration startupTime) {
        this.broker = broker;
        this.bootstrapServers = broker.getBrokersAsString();
        this.kafkaShutdownHooks = kafkaShutdownHooks;
        this.startupTime = startupTime;
        this.shutdownHook = ShutdownHooks.register("embedded-kafka-closer", this::close);
    }

    private static Map<String, String> singleNodeConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("offsets.topic.replication.factor", "1");
        config.put("transaction.state.log.replication.factor", "1");
        config.put("transaction.state.log.min.isr", "1");
        config.put("auto.create.topics.enable", "false");
        config.put("group.initial.rebalance.delay.ms", "0");
        config.put("num.partitions", "1");
        return Map.copyOf(config);
    }

    /** Starts a broker with {@link #SINGLE_NODE_CONFIG}. */
    public static EmbeddedKafka start() {
        return start(Map.of());
    }

    /** Starts a broker with {@link #SINGLE_NODE_CONFIG} plus {@code brokerOverrides}. */
    public static EmbeddedKafka start(Map<String, String> brokerOverrides) {
        long begin = System.nanoTime();
        Map<String, String> config = new LinkedHashMap<>(SINGLE_NODE_CONFIG);
        config.putAll(brokerOverrides);
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, Integer.parseInt(config.get("num.partitions")));
        broker.brokerProperties(config);
        broker.brokerListProperty(BROKERS_PROPERTY);
        List<Runnable> captured = new ArrayList<>();
        EXIT_HOOK_CAPTURE.lock();
        try {
            Exit.setShutdownHookAdder((name, hook) -> captured.add(hook));
            try {
                broker.afterPropertiesSet();
            } catch (RuntimeException e) {
                destroyQuietly(broker);
                captured.forEach(EmbeddedKafka::runQuietly);
                throw new IllegalStateException("embedded Kafka did not start", e);
            }
        } finally {
            Exit.resetShutdownHookAdder();
            EXIT_HOOK_CAPTURE.unlock();
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - begin);
        EmbeddedKafka kafka = new EmbeddedKafka(broker, List.copyOf(captured), elapsed);
        LOG.info("Embedded Kafka (KRaft) up at {} in {} ms", kafka.bootstrapServers(), elapsed.toMillis());
        return kafka;
    }

    private static void destroyQuietly(EmbeddedKafkaKraftBroker broker) {
        try {
            broker.destroy();
        } catch (RuntimeException e) {
            LOG.debug("destroying a broker that failed to start: {}", e.toString());
        }
    }

    private static void runQuietly(Runnable hook) {
        try {
            hook.run();
        } catch (RuntimeException e) {
            LOG.warn("Kafka shutdown hook failed: {}", e.toString());
        }
    }

    /** {@code host:port} of the broker. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Wall time from {@link #start()} until the broker was ready. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Stops the broker, then deletes its log directory; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ShutdownHooks.unregister(shutdownHook);
        try {
            broker.destroy();
        } finally {
            // now that nothing writes to the log dir any more, delete it (and whatever else the
            // test kit wanted done at exit)
            kafkaShutdownHooks.forEach(EmbeddedKafka::runQuietly);
            clearProperty(BROKERS_PROPERTY);
            clearProperty(EmbeddedKafkaBroker.SPRING_EMBEDDED_KAFKA_BROKERS);
        }
        LOG.info("Embedded Kafka at {} stopped", bootstrapServers);
    }

    private void clearProperty(String name) {
        synchronized (System.getProperties()) {
            if (bootstrapServers.equals(System.getProperty(name))) {
                System.clearProperty(name);
            }
        }
    }
}
