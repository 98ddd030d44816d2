package io.taskstream.scheduler.topology;

import static io.taskstream.scheduler.topology.SchedulerDriver.BOOM;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.micrometer.core.instrument.Counter;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.ControlCommand.Kind;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskError;

/**
 * The task counters ({@code tasks_submitted_total}, …, tagged tenant, type and priority), the bound on
 * their tenants and types, and the timer store's size, moved by known workloads.
 */
class TaskMetricsTest {

    @RegisterExtension
    final SchedulerDriver scheduler = new SchedulerDriver().withPunctuateInterval(Duration.ofMillis(100));

    @Test
    void theCountersAlertsReadExistAtZeroBeforeAnythingHappens() {
        scheduler.driver();
        for (String reason : SchedulerMetrics.STALE_REASONS) {
            assertThat(scheduler.registry.find("scheduler.stale.results").tag("reason", reason).counter())
                    .as(reason).isNotNull();
        }
        for (String kind : SchedulerMetrics.PRODUCTION_ERRORS) {
            assertThat(scheduler.registry.find("scheduler.production.errors").tag("kind", kind).counter()).isNotNull();
        }
        assertThat(scheduler.registry.find("scheduler.processing.errors").counters())
                .extracting(c -> c.getId().getTag("processor"))
                .contains(SchedulerTopology.ADMISSION, SchedulerTopology.OUTCOME, SchedulerTopology.CONTROL, "tick",
                        "schedule-tick");
        assertThat(scheduler.registry.find("scheduler.timeouts").counter().count()).isZero();
        assertThat(scheduler.registry.find("scheduler.deferrals").counter().count()).isZero();
    }

    @Test
    void eachEndOfATaskIsCountedOnceUnderItsTenantTypeAndPriority() {
        UUID completes = UUID.randomUUID();
        UUID failsForGood = UUID.randomUUID();
        UUID retriedThenCompletes = UUID.randomUUID();
        UUID cancelled = UUID.randomUUID();
        scheduler.dispatched(completes, "");
        scheduler.dispatched(failsForGood, "");
        scheduler.dispatched(retriedThenCompletes, "");
        scheduler.submit(cancelled, "\"delay\": \"PT1H\"");
        scheduler.submit(Priority.HIGH, UUID.randomUUID().toString(),
                "{\"tenantId\": \"globex\", \"type\": \"report.generate\", \"payload\": {}}");
        scheduler.submit(Priority.NORMAL, UUID.randomUUID().toString(), "{\"tenantId\": \"acme\", \"type\": 42}");

        scheduler.result(scheduler.resultOf(completes, 1, AttemptOutcome.COMPLETED, null, null));
        scheduler.result(scheduler.resultOf(failsForGood, 1, AttemptOutcome.FAILED, null,
                TaskError.permanent("bad_address", "no such mailbox")));
        scheduler.result(scheduler.resultOf(retriedThenCompletes, 1, AttemptOutcome.FAILED, null, BOOM));
        scheduler.advance(Duration.ofSeconds(2));
        scheduler.result(scheduler.resultOf(retriedThenCompletes, 2, AttemptOutcome.COMPLETED, null, null));
        scheduler.control(cancelled, Kind.CANCEL);
        scheduler.submit(completes, ""); // a duplicate: not submitted again

        assertThat(scheduler.taskCount("tasks.submitted")).isEqualTo(4);
        assertThat(scheduler.taskCount("tasks.completed")).isEqualTo(2);
        assertThat(scheduler.taskCount("tasks.failed")).isEqualTo(1);
        assertThat(scheduler.taskCount("tasks.dead_lettered")).isEqualTo(1);
        assertThat(scheduler.taskCount("tasks.retried")).isEqualTo(1);
        assertThat(scheduler.taskCount("tasks.cancelled")).isEqualTo(1);
        assertThat(scheduler.count("tasks.submitted", "tenant", "globex", "type", "report.generate",
                "priority", "high")).isEqualTo(1);
        assertThat(scheduler.count("tasks.rejected", "reason", "invalid_record")).isEqualTo(1);
        assertThat(scheduler.count("tasks.failed", "tenant", "acme", "type", "unknown", "priority", "normal"))
                .as("an invalid record is a FAILED task, never admitted").isEqualTo(1);
        assertThat(scheduler.count("tasks.dead_lettered", "tenant", "acme", "type", "unknown", "priority", "normal"))
                .isEqualTo(1);
        assertThat(total("tasks.submitted")).isEqualTo(5);
    }

    @Test
    void tenantsAndTypesBeyondTheBoundAreCountedAsOther() {
        scheduler.withMaxTagValues(2);

        for (String tenant : new String[] {"acme", "globex", "initech", "umbrella"}) {
            scheduler.submit(Priority.NORMAL, UUID.randomUUID().toString(),
                    "{\"tenantId\": \"" + tenant + "\", \"type\": \"" + tenant + ".task\", \"payload\": {}}");
        }

        assertThat(scheduler.count("tasks.submitted", "tenant", "acme", "type", "acme.task")).isEqualTo(1);
        assertThat(scheduler.count("tasks.submitted", "tenant", "globex", "type", "globex.task")).isEqualTo(1);
        assertThat(scheduler.count("tasks.submitted", "tenant", "other", "type", "other")).isEqualTo(2);
        assertThat(scheduler.registry.find("tasks.submitted").counters()).hasSize(3);
    }

    @Test
    void theTimerStoreSizeCountsTheTasksWaitingForTheirTime() {
        assertThat(timerStoreSize()).isZero();

        scheduler.dispatched(UUID.randomUUID(), "");
        scheduler.submit(UUID.randomUUID(), "\"delay\": \"PT10S\"");
        scheduler.submit(UUID.randomUUID(), "\"delay\": \"PT10S\"");
        scheduler.submit(UUID.randomUUID(), "\"delay\": \"PT1H\"");

        assertThat(timerStoreSize()).as("the task due now never waits").isEqualTo(3);

        scheduler.advance(Duration.ofSeconds(11));

        assertThat(timerStoreSize()).as("two released, one still waiting").isEqualTo(1);
    }

    @Test
    void unreadableSubmissionsAreRejectedNotSubmitted() {
        scheduler.submit(Priority.NORMAL, "k", "not json".getBytes(StandardCharsets.UTF_8), new RecordHeaders());

        assertThat(scheduler.count("tasks.rejected", "reason", "unreadable_record")).isEqualTo(1);
        assertThat(total("tasks.submitted")).isZero();
        assertThat(total("tasks.dead_lettered")).as("a dead letter, but of no task").isZero();
    }

    private double timerStoreSize() {
        scheduler.driver(); // the gauge comes with the topology
        return scheduler.registry.get("scheduler.timer.store.size").gauge().value();
    }

    private double total(String name) {
        return scheduler.registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }
}
