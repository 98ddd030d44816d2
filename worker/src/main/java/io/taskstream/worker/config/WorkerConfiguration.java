package io.taskstream.worker.config;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.MicrometerProducerListener;

import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.lock.LeaseManager;
import io.taskstream.schemas.TopicSettings;
import io.taskstream.schemas.crypto.PayloadCipher;
import io.taskstream.schemas.spring.EncryptionConfiguration;
import io.taskstream.schemas.spring.KafkaHealthConfiguration;
import io.taskstream.schemas.spring.TopicsConfiguration;
import io.taskstream.schemas.spring.TracingConfiguration;
import io.taskstream.schemas.tracing.Tracing;
import io.taskstream.worker.cancellation.CancellationCheck;
import io.taskstream.worker.cancellation.CancellationFlags;
import io.taskstream.worker.cancellation.RedisCancellationFlags;
import io.taskstream.worker.consumer.DispatchConsumer;
import io.taskstream.worker.execution.AttemptLeases;
import io.taskstream.worker.execution.KafkaAttemptReporter;
import io.taskstream.worker.execution.TaskExecutor;
import io.taskstream.worker.execution.WireDocumentSerializer;
import io.taskstream.worker.handler.HandlerRegistry;
import io.taskstream.worker.handler.TaskHandler;
import io.taskstream.worker.handler.internal.AnnotatedHandlerRegistrar;
import io.taskstream.worker.heartbeat.HeartbeatConfiguration;
import io.taskstream.worker.lease.RedisAttemptLeases;
import io.taskstream.worker.resilience.ResilienceConfiguration;
import io.taskstream.worker.resilience.TaskTypeResilience;
import io.taskstream.worker.samples.SampleHandlers;

/**
 * Wires a worker into a Spring application: every {@link TaskHandler} bean is registered, the
 * ready topics are consumed in group {@code taskstream.worker.group-id}, results and events are
 * written with an idempotent {@code acks=all} producer, cancel flags are read from Redis. Import it
 * into any Spring Boot application that has Kafka ({@code spring.kafka.*}) and Redis
 * ({@code spring.data.redis.*}, Boot's {@code StringRedisTemplate}) configured;
 * {@code WorkerApplication} does just that. An application may define its own
 * {@link CancellationFlags} bean instead of using Redis. Encrypted tasks are decrypted with the key ring of
 * {@link EncryptionConfiguration} ({@code TASKSTREAM_ENCRYPTION_KEYS} / {@code _KEYS_FILE}); a
 * {@code KeyProvider} bean marked {@code @Primary} replaces it.
 *
 * <p>The Kafka clients are built from Boot's {@code spring.kafka.*} settings (bootstrap servers,
 * security, extra properties), with what the worker's guarantees depend on forced: no auto-commit,
 * {@code read_committed} (the scheduler may write the ready topics transactionally), {@code acks=all},
 * idempotence.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WorkerProperties.class)
@Import({SampleHandlers.class, TopicsConfiguration.class, KafkaHealthConfiguration.class,
        HeartbeatConfiguration.class, AnnotatedHandlerRegistrar.class, ResilienceConfiguration.class,
        EncryptionConfiguration.class, TracingConfiguration.class})
public class WorkerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(WorkerConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    HandlerRegistry handlerRegistry(ObjectProvider<TaskHandler> handlers, WorkerProperties worker) {
        HandlerRegistry registry = HandlerRegistry.of(handlers.orderedStream().toList());
        if (registry.types().isEmpty()) {
            log.warn("Worker {} has no task handlers: every task it takes fails with no_handler", worker.workerId());
        } else {
            log.info("Worker {} runs task types {}", worker.workerId(), registry.types());
        }
        return registry;
    }

    @Bean
    @ConditionalOnMissingBean
    CancellationFlags cancellationFlags(ObjectProvider<StringRedisTemplate> redis, WorkerProperties worker,
                                        Tracing tracing) {
        StringRedisTemplate template = redis.getIfAvailable();
        if (template == null) {
            throw new IllegalStateException("The worker reads cancel flags from Redis, but this application has no"
                    + " StringRedisTemplate: configure spring.data.redis.url (with Boot's Redis auto-configuration)"
                    + " or define a CancellationFlags bean");
        }
        return new RedisCancellationFlags(template, worker.cancelKeyPrefix(), tracing);
    }

    @Bean
    CancellationCheck cancellationCheck(CancellationFlags flags, Clock clock, WorkerProperties worker,
                                        MeterRegistry meters) {
        return new CancellationCheck(flags, clock, worker.cancelCheckInterval(), meters);
    }

    @Bean
    KafkaAttemptReporter attemptReporter(KafkaProperties kafka, KafkaConnectionDetails connection,
                                         WorkerProperties worker, TopicSettings topics, MeterRegistry meters) {
        Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, connection.getProducer().getBootstrapServers());
        config.put(CommonClientConfigs.CLIENT_ID_CONFIG, "taskstream-worker-" + worker.workerId());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        DefaultKafkaProducerFactory<String, Object> producers =
                new DefaultKafkaProducerFactory<>(config, new StringSerializer(), new WireDocumentSerializer());
        producers.addListener(new MicrometerProducerListener<>(meters));
        return new KafkaAttemptReporter(producers, topics.topics());
    }

    /**
     * Task leases on the Lettuce client of Boot's Redis connection; the lease manager connects on
     * first use (a Redis that is down at start-up does not stop the worker: attempts run unfenced
     * until it answers, like every other Redis use of the worker).
     */
    @Bean // closed on shutdown when it is AutoCloseable (the Redis one)
    AttemptLeases attemptLeases(ObjectProvider<RedisConnectionFactory> redis, ObjectProvider<StringRedisTemplate> template,
                                Clock clock, WorkerProperties worker, MeterRegistry meters, Tracing tracing) {
        if (!worker.leases()) {
            log.warn("Worker {} runs without task leases (taskstream.worker.leases=false): around a rebalance two"
                    + " workers may run the same task at once", worker.workerId());
            return AttemptLeases.NONE;
        }
        if (!(redis.getIfAvailable() instanceof LettuceConnectionFactory lettuce)) {
            throw new IllegalStateException("The worker takes its task leases in Redis through Lettuce, but this"
                    + " application has no LettuceConnectionFactory: configure spring.data.redis.url, or set"
                    + " taskstream.worker.leases=false");
        }
        Supplier<LeaseManager> connect = () -> {
            if (!lettuce.isRunning()) {
                lettuce.start();
            }
            if (!(lettuce.getNativeClient() instanceof RedisClient client)) {
                throw new IllegalStateException("task leases need a standalone Redis (Redis Cluster is not supported"
                        + " yet): set taskstream.worker.leases=false to run without them");
            }
            return LeaseManager.builder(client).clock(clock).build();
        };
        return new RedisAttemptLeases(connect, template.getObject(), clock, meters, worker.workerId(),
                new RedisAttemptLeases.Settings(worker.leaseTtl(), worker.leaseRetry(), FINISHED_KEY_PREFIX,
                        Duration.ofDays(1)), tracing);
    }

    /** Redis keys marking finished dispatches: {@code <prefix><taskId>:<eventVersion>}, kept a day. */
    public static final String FINISHED_KEY_PREFIX = "taskstream:finished:";

    @Bean
    TaskExecutor taskExecutor(HandlerRegistry handlers, AttemptLeases leases, TaskTypeResilience resilience,
                              KafkaAttemptReporter reporter, CancellationCheck cancellation, Clock clock,
                              WorkerProperties worker, MeterRegistry meters, PayloadCipher payloadCipher,
                              Tracing tracing) {
        return new TaskExecutor(handlers, leases, resilience, reporter, cancellation, clock, meters,
                new TaskExecutor.Settings(worker.workerId(), worker.maxResultSize().toBytes(),
                        worker.nonRetryableExceptionTypes(), worker.timeoutGrace()), payloadCipher, tracing);
    }

    @Bean
    DispatchConsumer dispatchConsumer(KafkaProperties kafka, KafkaConnectionDetails connection,
                                      WorkerProperties worker, TopicSettings topics, TaskExecutor executor,
                                      MeterRegistry meters) {
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, connection.getConsumer().getBootstrapServers());
        config.put(CommonClientConfigs.CLIENT_ID_CONFIG, "taskstream-worker-" + worker.workerId());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, worker.groupId());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, worker.prefetch());
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Supplier<KafkaConsumer<String, byte[]>> consumers =
                () -> new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        return new DispatchConsumer(consumers, topics.topics().readyTopics(), executor::execute,
                DispatchConsumer::virtualThreads,
                new DispatchConsumer.Settings(worker.pollTimeout(), worker.prefetch(), worker.shutdownTimeout(),
                        worker.slots(), worker.minimumShare()),
                meters, executor::stopping);
    }
}
