package io.taskstream.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.worker.cancellation.CancellationCheck;
import io.taskstream.worker.execution.AttemptLeases;
import io.taskstream.worker.cancellation.CancellationFlags;
import io.taskstream.worker.cancellation.RedisCancellationFlags;
import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;
import io.taskstream.worker.resilience.ResilienceProperties;
import io.taskstream.worker.resilience.TaskTypeResilience;

/**
 * Start-up fails fast, with one message, before any Kafka client is created; the cancel flags come
 * from Redis unless the application brings its own. (Lettuce connects on first use, so no Redis
 * server is needed here.)
 */
class WorkerConfigurationTest {

    final ApplicationContextRunner worker = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, DataRedisAutoConfiguration.class))
            .withUserConfiguration(WorkerConfiguration.class)
            .withBean(MeterRegistry.class, SimpleMeterRegistry::new);

    /**
     * A worker that starts: no broker is asked for topics, its consumer polls a port where
     * nothing listens until the context closes, and no Redis is connected for leases.
     */
    static ApplicationContextRunner startable(ApplicationContextRunner runner) {
        return runner.withPropertyValues("spring.kafka.bootstrap-servers=127.0.0.1:9", "spring.kafka.admin.auto-create=false",
                "taskstream.worker.shutdown-timeout=0s", "taskstream.worker.leases=false");
    }

    static final class MyLogHandler implements TaskHandler {
        @Override
        public String type() {
            return "log";
        }

        @Override
        public HandlerResult handle(TaskContext context) {
            return HandlerResult.completed();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class MyHandlers {
        @Bean
        MyLogHandler myLogHandler() {
            return new MyLogHandler();
        }
    }

    @Test
    void aHandlerClaimingTheTypeOfASampleHandlerStopsTheStartUp() {
        worker.withUserConfiguration(MyHandlers.class)
                .withPropertyValues("taskstream.worker.sample-handlers=true")
                .run(ctx -> {
                    assertThat(ctx).hasFailed();
                    assertThat(ctx.getStartupFailure()).rootCause()
                            .hasMessageContaining("More than one task handler for a task type: 'log' by")
                            .hasMessageContaining(MyLogHandler.class.getName())
                            .hasMessageContaining("io.taskstream.worker.samples.LogHandler");
                });
    }

    @Test
    void aWrongWorkerSettingStopsTheStartUpNamingTheProperty() {
        worker.withPropertyValues("taskstream.worker.prefetch=-3")
                .run(ctx -> assertThat(ctx.getStartupFailure()).rootCause()
                        .hasMessage("taskstream.worker.prefetch must be between 1 and 10000 (was -3)"));
    }

    @Test
    void aWrongResilienceSettingStopsTheStartUpNamingTheProperty() {
        worker.withPropertyValues("taskstream.worker.resilience.types[http.request].bulkhead.max-concurrent-calls=0")
                .run(ctx -> assertThat(ctx.getStartupFailure()).rootCause()
                        .hasMessage("taskstream.worker.resilience.types[http.request].bulkhead.max-concurrent-calls"
                                + " must be between 1 and 10000 (was 0)"));
    }

    @Test
    void aResilienceOptionThatBindsToNothingStopsTheStartUpInsteadOfLeavingTheTypeUnguarded() {
        worker.withPropertyValues("taskstream.worker.resilience.types.http.request.bulkhead.max-concurrent-calls=4")
                .run(ctx -> assertThat(ctx.getStartupFailure()).rootCause()
                        .hasMessageStartingWith("taskstream.worker.resilience.types.http.request.bulkhead"
                                + ".max-concurrent-calls is not a resilience option")
                        .hasMessageContaining("types[http.request]"));
        worker.withPropertyValues("taskstream.worker.resilience.default.circuit-breaker.failure-rate=50")
                .run(ctx -> assertThat(ctx.getStartupFailure()).rootCause()
                        .hasMessageStartingWith("taskstream.worker.resilience.default.circuit-breaker.failure-rate"
                                + " is not a resilience option"));
        worker.withPropertyValues("taskstream.worker.resilience.defaults.bulkhead.enabled=true")
                .run(ctx -> assertThat(ctx.getStartupFailure()).rootCause()
                        .hasMessageStartingWith("taskstream.worker.resilience.defaults.bulkhead.enabled is not"));
    }

    @Test
    void theExecutorRunsAttemptsThroughTheResilienceOfTheirTaskType() {
        startable(worker).withUserConfiguration(MyHandlers.class)
                .withPropertyValues("taskstream.worker.resilience.types[log].circuit-breaker.enabled=true",
                        "taskstream.worker.resilience.types[log].circuit-breaker.slow-call-duration=2s",
                        "taskstream.worker.resilience.types.typo.bulkhead.max-wait=1s",
                        "taskstream.worker.resilience.default.rate-limiter.enabled=false")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    ResilienceProperties resilience = ctx.getBean(ResilienceProperties.class);
                    assertThat(resilience.policyFor("log").circuitBreaker()).isNotNull();
                    assertThat(resilience.policyFor("email.send").isEmpty()).isTrue();
                    assertThat(ctx).hasSingleBean(TaskTypeResilience.class);
                });
    }

    @Test
    void anUnknownNonRetryableExceptionClassStopsTheStartUpNamingIt() {
        worker.withPropertyValues("taskstream.worker.non-retryable-exceptions=com.acme.Typo")
                .run(ctx -> assertThat(ctx.getStartupFailure()).rootCause()
                        .hasMessage("taskstream.worker.non-retryable-exceptions must name exception classes:"
                                + " com.acme.Typo is not on the class path (was [com.acme.Typo])"));
    }

    @Test
    void cancelFlagsAreReadFromRedisUnderTheConfiguredPrefix() {
        startable(worker).withPropertyValues("taskstream.worker.cancel-key-prefix=billing:cancel:")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    UUID taskId = UUID.fromString("0190f0c4-1111-7000-8000-000000000001");
                    assertThat(ctx.getBean(CancellationFlags.class)).isInstanceOfSatisfying(
                            RedisCancellationFlags.class, flags -> assertThat(flags.key(taskId))
                                    .isEqualTo("billing:cancel:0190f0c4-1111-7000-8000-000000000001"));
                });
    }

    @Test
    void anApplicationsOwnCancellationFlagsReplaceRedis() {
        CancellationFlags own = taskId -> true;
        startable(new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class))
                .withBean(CancellationFlags.class, () -> own)
                .withUserConfiguration(WorkerConfiguration.class)
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new))
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBean(CancellationFlags.class)).isSameAs(own);
                    assertThat(ctx.getBean(CancellationCheck.class).isCancelled(UUID.randomUUID())).isTrue();
                });
    }

    @Test
    void withoutRedisNorOwnCancellationFlagsTheStartUpSaysWhatIsMissing() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class))
                .withUserConfiguration(WorkerConfiguration.class)
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("taskstream.worker.leases=false")
                .run(ctx -> assertThat(ctx.getStartupFailure()).rootCause()
                        .hasMessageContaining("no StringRedisTemplate")
                        .hasMessageContaining("spring.data.redis.url")
                        .hasMessageContaining("CancellationFlags bean"));
    }

    @Test
    void withLeasesOnButNoLettuceRedisTheStartUpSaysWhatIsMissing() {
        CancellationFlags own = taskId -> false;
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class))
                .withBean(CancellationFlags.class, () -> own)
                .withUserConfiguration(WorkerConfiguration.class)
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .run(ctx -> assertThat(ctx.getStartupFailure()).rootCause()
                        .hasMessageContaining("no LettuceConnectionFactory")
                        .hasMessageContaining("taskstream.worker.leases=false"));
    }

    @Test
    void withLeasesOffAttemptsRunUnfenced() {
        startable(worker).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(AttemptLeases.class)).isSameAs(AttemptLeases.NONE);
            assertThat(ctx).doesNotHaveBean(io.taskstream.lock.LeaseManager.class);
        });
    }

    @Test
    void aWrongTopicSettingStopsTheStartUp() {
        worker.withPropertyValues("taskstream.topics.partitions=0")
                .run(ctx -> assertThat(ctx.getStartupFailure()).rootCause()
                        .hasMessageContaining("taskstream.topics.partitions must be at least 1"));
    }
}
