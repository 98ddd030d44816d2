package io.taskstream.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;

/** Start-up fails fast, with one message, before any Kafka client is created. */
class WorkerConfigurationTest {

    final ApplicationContextRunner worker = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class))
            .withUserConfiguration(WorkerConfiguration.class)
            .withBean(MeterRegistry.class, SimpleMeterRegistry::new);

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
    void aWrongTopicSettingStopsTheStartUp() {
        worker.withPropertyValues("taskstream.topics.partitions=0")
                .run(ctx -> assertThat(ctx.getStartupFailure()).rootCause()
                        .hasMessageContaining("taskstream.topics.partitions must be at least 1"));
    }
}
