package io.taskstream.ingest.tasks;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.MicrometerProducerListener;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.transaction.support.TransactionTemplate;

import com.github.benmanes.caffeine.cache.Ticker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.config.CircuitBreakers;
import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.ingest.control.CancelFlags;
import io.taskstream.ingest.control.ControlPublisher;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;
import io.taskstream.schemas.crypto.PayloadCipher;
import io.taskstream.schemas.spring.EncryptionConfiguration;

/**
 * Wiring of tasks: the durable submission producer and its circuit breaker, the reader, the repository,
 * idempotency keys, the read-your-writes cache, admission, cancel and re-prioritise, payload encryption.
 */
@Configuration(proxyBeanMethods = false)
@Import(EncryptionConfiguration.class)
public class TasksConfiguration {

    private static final Logger log = LoggerFactory.getLogger(TasksConfiguration.class);

    /**
     * The submission producer: {@code acks=all} and idempotent, because a {@code 202} promises the task
     * is durable; every wait bounded by {@code taskstream.ingest.submit-timeout}
     * ({@code max.block.ms} for metadata, {@code delivery.timeout.ms} for the acknowledgement).
     * Other {@code spring.kafka.producer.*} settings apply underneath.
     */
    @Bean
    ProducerFactory<String, TaskSubmission> submissionProducerFactory(KafkaProperties kafka,
            IngestProperties properties, MeterRegistry meters) {
        DefaultKafkaProducerFactory<String, TaskSubmission> factory = new DefaultKafkaProducerFactory<>(
                producerConfig(kafka.buildProducerProperties(), properties.submitTimeout()), new StringSerializer(),
                JsonSerde.of(TaskSubmission.class).serializer());
        // the client's own metrics (kafka_producer_*: request rate, records per request, latency)
        factory.addListener(new MicrometerProducerListener<>(meters));
        return factory;
    }

    /**
     * How long the producer waits to fill a batch. Every submission waits for its acknowledgement, so
     * this is added to its latency at low load; under load it sets how many records share a produce
     * request. Measured (docs/performance.md): 5 ms (Kafka's default) cost a single submission ≈ 5 ms;
     * 1 ms sent 330 requests/s of 2.4 records at 1,000 submissions/s and P95 was ≈ 40 ms; 3 ms sends
     * 230/s of 4.2, the API's JVM needs ≈ 0.2 core less and P95 is ≈ 25 ms, for ≈ 2 ms more at low load.
     */
    static final int LINGER_MS = 3;

    /** The durable producer settings, also used for control commands ({@code ingest.control}). */
    public static Map<String, Object> producerConfig(Map<String, Object> base, Duration submitTimeout) {
        Map<String, Object> config = new HashMap<>(base);
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, submitTimeout.toMillis());
        int lingerMs = Math.min(LINGER_MS, timeoutMs / 4);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs);
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms; half leaves room for a retry.
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(1, (timeoutMs - lingerMs) / 2));
        return config;
    }

    @Bean
    KafkaTemplate<String, TaskSubmission> submissionTemplate(ProducerFactory<String, TaskSubmission> factory) {
        return new KafkaTemplate<>(factory);
    }

    /**
     * The submission publisher; a call takes at most the submit timeout plus {@link #ACK_MARGIN} (the
     * producer's own bounds, plus room for its sender thread to report).
     */
    @Bean
    SubmissionPublisher submissionPublisher(KafkaTemplate<String, TaskSubmission> template, Topics topics,
            IngestProperties properties, Clock clock, MeterRegistry meters) {
        CircuitBreaker breaker = CircuitBreakers.create(SubmissionPublisher.BREAKER,
                SubmissionPublisher.breakerConfig(properties.retryAfter(), clock), meters);
        breaker.getEventPublisher().onStateTransition(event ->
                log.warn("Kafka circuit breaker of submissions: {}", event.getStateTransition()));
        return new SubmissionPublisher(template, topics, ackTimeout(properties), properties.retryAfter(), breaker);
    }

    /** How much longer than the submit timeout a submission may wait for Kafka's answer. */
    static final Duration ACK_MARGIN = Duration.ofMillis(250);

    static Duration ackTimeout(IngestProperties properties) {
        return properties.submitTimeout().plus(ACK_MARGIN);
    }

    /**
     * How long a request waits for another one holding its idempotency key: a winner needs at most a
     * Kafka call and a query, so one Kafka call's time and a second.
     */
    static Duration keyWait(IngestProperties properties) {
        return ackTimeout(properties).plusSeconds(1);
    }

    /**
     * The lease of an idempotency reservation in Redis: well beyond what a winner needs before it marks
     * the key accepted (so a slow winner never loses its key), short enough that one that crashed frees
     * it soon.
     */
    static Duration reservationTtl(IngestProperties properties) {
        Duration twice = keyWait(properties).multipliedBy(2);
        return twice.compareTo(MIN_RESERVATION_TTL) > 0 ? twice : MIN_RESERVATION_TTL;
    }

    static final Duration MIN_RESERVATION_TTL = Duration.ofSeconds(30);

    @Bean
    IdempotencyKeys idempotencyKeys(StringRedisTemplate redis, IngestProperties properties,
            DataRedisProperties redisProperties) {
        Duration timeout = redisProperties.getTimeout() == null ? Duration.ofSeconds(2) : redisProperties.getTimeout();
        return new IdempotencyKeys(redis, reservationTtl(properties), properties.idempotencyTtl(), timeout);
    }

    @Bean
    PendingViews pendingViews(IngestProperties properties, MeterRegistry meters) {
        PendingViews views = new PendingViews(properties.rywCacheMaxBytes(), properties.rywCacheTtl(),
                Ticker.systemTicker());
        Gauge.builder("taskstream.ingest.ryw.cached", views, PendingViews::size)
                .description("Accepted tasks answered from memory because their read-your-writes row could not "
                        + "be written yet")
                .register(meters);
        return views;
    }

    @Bean
    SubmissionReader submissionReader(SchemaValidator validator, IngestProperties properties) {
        return new SubmissionReader(validator, properties.maxPayloadBytes());
    }

    @Bean
    TaskRepository taskRepository(JdbcTemplate jdbc) {
        return new TaskRepository(jdbc);
    }

    @Bean
    TaskControl taskControl(TaskRepository repository, PendingViews pendingViews, CancelFlags cancelFlags,
            ControlPublisher controlPublisher, Clock clock) {
        return new TaskControl(repository, pendingViews, cancelFlags, controlPublisher, clock);
    }

    /** The read-your-writes group commit; one statement writes at most a full batch's rows. */
    @Bean
    PendingRowWriter pendingRowWriter(TaskRepository repository, IngestProperties properties, MeterRegistry meters) {
        return new PendingRowWriter(repository, properties.maxBatchSize(), meters);
    }

    /**
     * How long a request waits for its read-your-writes rows: as long as it may wait for Kafka — a slower
     * database costs the request its row (kept in memory instead), not its answer.
     */
    static Duration rowWait(IngestProperties properties) {
        return properties.submitTimeout();
    }

    @Bean
    TaskSubmitter taskSubmitter(SubmissionReader reader, SubmissionPublisher publisher, TaskRepository repository,
            PendingRowWriter pendingRowWriter, IdempotencyKeys idempotencyKeys, TransactionTemplate transactions,
            Admission admission, PendingViews pendingViews, Clock clock, RandomGenerator taskIdRandom,
            IngestProperties properties, MeterRegistry meters, TaskEncryption encryption) {
        return new TaskSubmitter(reader, publisher, repository, pendingRowWriter, idempotencyKeys, transactions,
                admission, pendingViews, clock, taskIdRandom, keyWait(properties), rowWait(properties),
                properties.retryAfter(), meters, encryption);
    }

    /** Payload encryption ({@code "encrypt": true}) with the key ring of {@link EncryptionConfiguration}. */
    @Bean
    TaskEncryption taskEncryption(PayloadCipher payloadCipher) {
        return new TaskEncryption(payloadCipher);
    }
}
