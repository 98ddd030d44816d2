package io.taskstream.worker.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.example.billing.BillingWorker;
import com.example.clash.ClashingWorker;

import io.taskstream.embedded.Infrastructure;
import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.schemas.AttemptOutcome;

/**
 * A user's own Spring Boot application ({@code com.example.billing}, depending on the starter only)
 * against the shared embedded Kafka broker and Redis: it becomes a worker without importing anything,
 * runs tasks with both a {@code TaskHandler} bean and {@code @TaskstreamHandler} methods, and refuses
 * to start with two handlers for one type.
 */
class UserApplicationIT {

    final Infrastructure infrastructure = SharedInfrastructure.forClass(UserApplicationIT.class);
    final TaskTopics tasks = new TaskTopics(infrastructure.kafkaBootstrap());
    ConfigurableApplicationContext app;

    /** The two properties the README asks for, plus this test's own topics and group. */
    Map<String, Object> properties() {
        Map<String, Object> properties = new HashMap<>();
        properties.put("spring.kafka.bootstrap-servers", infrastructure.kafkaBootstrap());
        properties.put("spring.data.redis.url", infrastructure.redisUrl());
        properties.put("taskstream.topics.prefix", tasks.prefix);
        properties.put("taskstream.topics.partitions", "2");
        properties.put("taskstream.worker.group-id", tasks.prefix + "billing");
        properties.put("taskstream.worker.worker-id", "billing-1");
        properties.put("taskstream.worker.poll-timeout", "100ms");
        properties.put("taskstream.worker.non-retryable-exceptions",
                "com.example.billing.Ledger$LedgerClosedException");
        return properties;
    }

    @AfterEach
    void close() {
        if (app != null) {
            app.close();
        }
        tasks.close();
    }

    @Test
    void aHandlerBeanAndAnAnnotatedMethodOfTheUsersAppBothRunTasksAndReportThemCompleted() {
        app = new SpringApplicationBuilder(BillingWorker.class).properties(properties()).run();

        UUID mail = tasks.publish("invoice.mail", Map.of("id", "INV-7", "email", "ada@example.com"));
        UUID archive = tasks.publish("invoice.archive", Map.of("id", "INV-7"));

        assertThat(tasks.awaitResult(mail)).satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
            assertThat(result.workerId()).isEqualTo("billing-1");
            assertThat(result.result().get("sentTo").asString()).isEqualTo("ada@example.com");
            assertThat(result.result().get("taskId").asString()).isEqualTo(mail.toString());
        });
        assertThat(tasks.awaitResult(archive)).satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
            assertThat(result.result().get("archived").asString()).isEqualTo("INV-7");
        });
    }

    @Test
    void whatAnAnnotatedMethodThrowsIsClassifiedAsIfItHadBeenThrownByAHandlerClass() {
        app = new SpringApplicationBuilder(BillingWorker.class).properties(properties()).run();

        UUID configured = tasks.publish("ledger.post", Map.of("month", "2026-11"));
        UUID nonRetryable = tasks.publish("ledger.check", Map.of("month", "2026-12"));
        UUID other = tasks.publish("ledger.sync", Map.of());

        assertThat(tasks.awaitResult(configured)).satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.FAILED);
            assertThat(result.error().code()).isEqualTo("handler_error");
            assertThat(result.error().message())
                    .isEqualTo("com.example.billing.Ledger$LedgerClosedException: ledger 2026-11 is closed");
            assertThat(result.error().retryable()).isFalse();
        });
        assertThat(tasks.awaitResult(nonRetryable)).satisfies(result -> {
            assertThat(result.error().message())
                    .isEqualTo("io.taskstream.worker.handler.NonRetryableException: no ledger for 2026-12");
            assertThat(result.error().retryable()).isFalse();
        });
        assertThat(tasks.awaitResult(other)).satisfies(result -> {
            assertThat(result.error().message())
                    .isEqualTo("java.lang.IllegalStateException: ledger service unavailable");
            assertThat(result.error().retryable()).isTrue();
        });
    }

    @Test
    void aSecondHandlerForATypeStopsTheUsersAppAtStartUpNamingBoth() {
        assertThatThrownBy(() -> app = new SpringApplicationBuilder(ClashingWorker.class).properties(properties()).run())
                .rootCause()
                .hasMessage("More than one task handler for a task type: 'invoice.mail' by "
                        + ClashingWorker.MailHandler.class.getName() + " and method "
                        + ClashingWorker.Mailer.class.getName() + ".mail(TaskContext) of bean '"
                        + "clashingWorker.Mailer'. Keep one handler per type (taskstream.worker.sample-handlers=false"
                        + " turns the sample handlers off).");
    }
}
