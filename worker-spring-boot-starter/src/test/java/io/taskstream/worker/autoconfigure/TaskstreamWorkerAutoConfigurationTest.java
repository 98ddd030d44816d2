package io.taskstream.worker.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.worker.config.WorkerConfiguration;
import io.taskstream.worker.consumer.DispatchConsumer;
import io.taskstream.worker.handler.HandlerRegistry;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;
import io.taskstream.worker.handler.TaskstreamHandler;

/**
 * The starter turns an application into a worker with nothing imported, once, and not at all with
 * {@code taskstream.worker.enabled=false}. (No broker or Redis server is needed: the worker's
 * consumer polls a port where nothing listens.)
 */
class TaskstreamWorkerAutoConfigurationTest {

    final ApplicationContextRunner app = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, DataRedisAutoConfiguration.class,
                    TaskstreamWorkerAutoConfiguration.class))
            .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withPropertyValues("spring.kafka.bootstrap-servers=127.0.0.1:9", "spring.kafka.admin.auto-create=false",
                    "taskstream.worker.shutdown-timeout=0s");

    static class Reports {
        @TaskstreamHandler("report.generate")
        public void generate(TaskContext ctx) {
        }
    }

    @Test
    void itIsAnAutoConfigurationBootFindsOnTheClassPath() {
        assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()))
                .contains(TaskstreamWorkerAutoConfiguration.class.getName());
    }

    @Test
    void anApplicationWithTheStarterIsAWorkerRunningItsHandlerMethods() {
        app.withBean(Reports.class).run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(DispatchConsumer.class);
            assertThat(ctx.getBean(HandlerRegistry.class).types()).containsExactly("report.generate");
        });
    }

    @Test
    void taskstreamWorkerEnabledFalseTurnsTheWholeWorkerOff() {
        app.withBean(Reports.class).withPropertyValues("taskstream.worker.enabled=false").run(ctx -> {
            assertThat(ctx).hasNotFailed()
                    .doesNotHaveBean(DispatchConsumer.class)
                    .doesNotHaveBean(HandlerRegistry.class)
                    .doesNotHaveBean(TaskHandler.class);
        });
    }

    @Configuration(proxyBeanMethods = false)
    @Import(WorkerConfiguration.class)
    static class ImportsTheWorkerItself {
    }

    @Test
    void anApplicationThatAlsoImportsWorkerConfigurationStillGetsOneWorker() {
        app.withUserConfiguration(ImportsTheWorkerItself.class).withBean(Reports.class).run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(DispatchConsumer.class).hasSingleBean(HandlerRegistry.class);
            assertThat(ctx.getBean(HandlerRegistry.class).types()).containsExactly("report.generate");
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnClock {
        static final Clock FIXED = Clock.fixed(Instant.parse("2026-11-28T10:00:00Z"), ZoneOffset.UTC);

        @Bean
        Clock clock() {
            return FIXED;
        }
    }

    @Test
    void theApplicationsOwnBeansReplaceTheWorkersDefaults() {
        app.withUserConfiguration(OwnClock.class).run(ctx ->
                assertThat(ctx).hasNotFailed().getBean(Clock.class).isSameAs(OwnClock.FIXED));
    }
}
