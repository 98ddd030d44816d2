package io.taskstream.scheduler.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.processor.UsePartitionTimeOnInvalidTimestamp;

import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.topology.ProcessingErrorHandler;
import io.taskstream.scheduler.topology.ProductionErrorHandler;

/**
 * The Kafka Streams configuration of the scheduler, in three layers (later wins):
 * <ol>
 *   <li>our tuning defaults (error handlers, timestamp extractor, the producer's linger
 *       ({@link #lingerMs}), no JMX reporter);</li>
 *   <li>{@code base}: what Spring Boot builds from {@code spring.kafka.*} and
 *       {@code spring.kafka.streams.properties.*} (bootstrap servers, security), so any Kafka
 *       Streams setting can still be overridden there;</li>
 *   <li>the {@code taskstream.scheduler.*} settings, which are the documented knobs.</li>
 * </ol>
 */
public final class StreamsSettings {

    /** The consumer's internal switch Kafka Streams turns off for its main consumer. */
    static final String LEAVE_GROUP_ON_CLOSE = "internal.leave.group.on.close";

    private StreamsSettings() {
    }

    /**
     * The producer's linger. Kafka Streams sets 100 ms; at-least-once output is visible as soon as it is
     * written, so a dispatch should not wait for company: 5 ms. Exactly-once output is visible only when
     * its transaction commits (every commit interval; a commit flushes the producer first), so lingering
     * up to the commit interval (at most 100 ms) costs no latency and sends fewer, larger produce
     * requests — each of which the broker also checks against the transaction (docs/performance.md).
     */
    static int lingerMs(SchedulerProperties properties) {
        if (properties.processingGuarantee() == SchedulerProperties.ProcessingGuarantee.AT_LEAST_ONCE) {
            return AT_LEAST_ONCE_LINGER_MS;
        }
        return (int) Math.min(100, properties.commitInterval().toMillis());
    }

    static final int AT_LEAST_ONCE_LINGER_MS = 5;

    public static Properties of(SchedulerProperties properties, Path stateDir, Map<String, Object> base,
                                SchedulerMetrics metrics) {
        Objects.requireNonNull(stateDir, "stateDir");
        Map<String, Object> config = new HashMap<>();
        config.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ProcessingErrorHandler.class);
        config.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, ProductionErrorHandler.class);
        // Every source reads bytes, which cannot fail to deserialize; this is only a safety net.
        config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
        // The default extractor throws on a negative timestamp, and a replaced thread would meet the
        // same record again: use the partition's time instead, the record is still processed.
        config.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG,
                UsePartitionTimeOnInvalidTimestamp.class);
        config.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), lingerMs(properties));
        // Failover speed. Kafka Streams' main consumer does not leave the group on close (it hopes to
        // come back as the same member, which a dynamic member never does): its partitions would sit
        // idle for a whole session timeout after every clean shutdown. Leave on close, and notice a
        // crashed instance after 10 s instead of the default 45 s (heartbeats run on their own thread,
        // so a long tick or GC pause does not trip it; max.poll.interval.ms covers stuck processing).
        config.put(StreamsConfig.mainConsumerPrefix(LEAVE_GROUP_ON_CLOSE), true);
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);

        // No JMX: several services may share one JVM (the devstack); Prometheus gets Kafka Streams'
        // metrics through Micrometer, which reads them from the client, not from JMX.
        config.put(StreamsConfig.METRIC_REPORTER_CLASSES_CONFIG, "");

        config.putAll(base);

        config.put(StreamsConfig.APPLICATION_ID_CONFIG, properties.applicationId());
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, properties.streamThreads());
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, properties.processingGuarantee().config());
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, properties.commitInterval().toMillis());
        // A stream thread checks whether to commit or to run a wall-clock punctuation (the tick) only
        // after a poll returns; an idle poll blocks for poll.ms (default 100), which would otherwise
        // add up to that much to every commit (and, under exactly-once, to the moment a dispatch
        // becomes visible) and make a tick shorter than 100 ms run every 100 ms anyway.
        config.put(StreamsConfig.POLL_MS_CONFIG, Math.min(100L,
                Math.min(properties.commitInterval().toMillis(), properties.punctuateInterval().toMillis())));
        config.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, properties.replicationFactor());
        config.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, properties.standbyReplicas());
        config.put(SchedulerMetrics.CONFIG_KEY, metrics);

        Properties props = new Properties();
        props.putAll(config);
        return props;
    }
}
