package io.taskstream.scheduler.topology;

import static io.taskstream.scheduler.topology.SchedulerDriver.T0;
import static io.taskstream.scheduler.topology.SchedulerDriver.header;
import static io.taskstream.scheduler.topology.SchedulerDriver.submission;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Headers;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskIds;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;

class AdmissionTest {

    @RegisterExtension
    final SchedulerDriver scheduler = new SchedulerDriver();

    @Test
    void validSubmissionIsQueuedAtVersionOneAndDispatchedOnReadyNormal() {
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.NORMAL, id.toString(), submission(id, "\"labels\": {\"team\": \"billing\"}"));

        List<TestRecord<String, TaskEvent>> events = scheduler.events().readRecordsToList();
        assertThat(events).hasSize(1);
        TaskEvent queued = events.getFirst().value();
        assertThat(events.getFirst().key()).isEqualTo(id.toString());
        assertThat(queued.status()).isEqualTo(TaskStatus.QUEUED);
        assertThat(queued.version()).isEqualTo(1);
        assertThat(queued.type()).isEqualTo("email.send");
        assertThat(queued.priority()).isEqualTo(Priority.NORMAL);
        assertThat(queued.labels()).containsEntry("team", "billing");
        assertThat(queued.payload().get("to").asString()).isEqualTo("a@example.com");
        assertThat(queued.createdAt()).isEqualTo(T0);
        assertThat(queued.occurredAt()).isEqualTo(T0);
        assertThat(header(events.getFirst(), Headers.SCHEMA)).isEqualTo("task-event/v1");

        List<TestRecord<String, TaskDispatch>> dispatches = scheduler.ready(Priority.NORMAL).readRecordsToList();
        assertThat(dispatches).hasSize(1);
        TaskDispatch dispatch = dispatches.getFirst().value();
        assertThat(dispatches.getFirst().key()).isEqualTo(id.toString());
        assertThat(dispatch.taskId()).isEqualTo(id);
        assertThat(dispatch.attempt()).isEqualTo(1);
        assertThat(dispatch.maxAttempts()).isEqualTo(4);
        assertThat(dispatch.eventVersion()).isEqualTo(2);
        assertThat(dispatch.dispatchedAt()).isEqualTo(T0);
        assertThat(dispatch.deadline()).isEqualTo(T0.plus(Duration.ofMinutes(5)).plus(Duration.ofSeconds(30)));
        assertThat(header(dispatches.getFirst(), Headers.SCHEMA)).isEqualTo("task-dispatch/v1");

        assertThat(scheduler.dlq().isEmpty()).isTrue();
        assertThat(scheduler.count("scheduler.dispatches", "priority", "normal")).isEqualTo(1);
    }

    @Test
    void criticalSubmissionIsDispatchedOnReadyCritical() {
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.CRITICAL, id.toString(), submission(id, "\"priority\": \"CRITICAL\""));

        assertThat(scheduler.ready(Priority.CRITICAL).readValuesToList())
                .singleElement().satisfies(d -> assertThat(d.taskId()).isEqualTo(id));
        assertThat(scheduler.ready(Priority.NORMAL).isEmpty()).isTrue();
        assertThat(scheduler.events().readValue().priority()).isEqualTo(Priority.CRITICAL);
    }

    @Test
    void submissionWithoutPriorityTakesThePriorityOfItsTopic() {
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.HIGH, id.toString(), submission(id, ""));

        assertThat(scheduler.ready(Priority.HIGH).readValuesToList()).hasSize(1);
        assertThat(scheduler.ready(Priority.NORMAL).isEmpty()).isTrue();
    }

    @Test
    void explicitPriorityWinsOverTheTopic() {
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.NORMAL, id.toString(), submission(id, "\"priority\": \"LOW\""));

        assertThat(scheduler.ready(Priority.LOW).readValuesToList()).hasSize(1);
        assertThat(scheduler.ready(Priority.NORMAL).isEmpty()).isTrue();
    }

    @Test
    void orderingKeyIsTheKeyOnTheReadyTopic() {
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.NORMAL, id.toString(), submission(id, "\"orderingKey\": \"customer-42\""));

        TestRecord<String, TaskDispatch> dispatch = scheduler.ready(Priority.NORMAL).readRecord();
        assertThat(dispatch.key()).isEqualTo("customer-42");
        assertThat(dispatch.value().orderingKey()).isEqualTo("customer-42");
    }

    @Test
    void duplicateTaskIdIsDroppedAndCounted() {
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.NORMAL, id.toString(), submission(id, ""));
        scheduler.submit(Priority.NORMAL, id.toString(), submission(id, "\"labels\": {\"second\": \"copy\"}"));

        assertThat(scheduler.events().readValuesToList()).singleElement()
                .satisfies(e -> assertThat(e.labels()).doesNotContainKey("second"));
        assertThat(scheduler.ready(Priority.NORMAL).readValuesToList()).hasSize(1);
        assertThat(scheduler.count("scheduler.duplicate.submissions")).isEqualTo(1);
    }

    @Test
    void recordWithoutIdKeyedByAUuidTakesTheKeyAsItsId() {
        UUID key = UUID.randomUUID();
        scheduler.submit(Priority.NORMAL, key.toString(), submission(null, ""));

        assertThat(scheduler.events().readValue().taskId()).isEqualTo(key);
        assertThat(scheduler.ready(Priority.NORMAL).readValue().taskId()).isEqualTo(key);
    }

    @Test
    void recordWithoutIdGetsADeterministicIdFromItsCoordinatesAndIsRekeyedByIt() {
        scheduler.submit(Priority.NORMAL, "order-42", submission(null, ""));
        scheduler.submit(Priority.NORMAL, null, submission(null, ""));

        UUID first = TaskIds.nameBased("taskstream.submit.normal/0/0");
        // offset 1 is the first record written back by the scheduler itself
        UUID second = TaskIds.nameBased("taskstream.submit.normal/0/2");
        // Written back to its topic keyed by the id (so results meet the state), then admitted.
        List<TestRecord<String, byte[]>> rekeyed = scheduler.submitOutput(Priority.NORMAL).readRecordsToList();
        assertThat(rekeyed).extracting(TestRecord::key).containsExactly(first.toString(), second.toString());
        TaskSubmission written = Json.mapper().readValue(rekeyed.getFirst().value(), TaskSubmission.class);
        assertThat(written.id()).isEqualTo(first);
        assertThat(written.createdAt()).isEqualTo(T0);

        assertThat(scheduler.events().readValuesToList()).extracting(TaskEvent::taskId).containsExactly(first, second);
        assertThat(scheduler.ready(Priority.NORMAL).readRecordsToList()).extracting(TestRecord::key)
                .containsExactly(first.toString(), second.toString());
    }

    @Test
    void recordKeyedByAnythingButItsIdIsRekeyedByItsId() {
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.HIGH, "customer-7", submission(id, ""));

        assertThat(scheduler.submitOutput(Priority.HIGH).readKeyValuesToList())
                .extracting(kv -> kv.key).containsExactly(id.toString());
        assertThat(scheduler.ready(Priority.HIGH).readValue().taskId()).isEqualTo(id);
        assertThat(scheduler.events().readValuesToList()).hasSize(1);
    }

    @Test
    void createdAtIsTheSubmissionsOwnWhenPresent() {
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.NORMAL, id.toString(), submission(id, "\"createdAt\": \"2026-11-30T08:00:00Z\""));

        assertThat(scheduler.events().readValue().createdAt()).isEqualTo(Instant.parse("2026-11-30T08:00:00Z"));
        assertThat(scheduler.ready(Priority.NORMAL).readValue().createdAt())
                .isEqualTo(Instant.parse("2026-11-30T08:00:00Z"));
    }

    @Test
    void traceparentTravelsToTheEventAndTheDispatch() {
        UUID id = UUID.randomUUID();
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        RecordHeaders headers = new RecordHeaders();
        headers.add(Headers.TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
        headers.add(Headers.SCHEMA, "task-submission/v1".getBytes(StandardCharsets.UTF_8));
        scheduler.submit(Priority.NORMAL, id.toString(), submission(id, "").getBytes(StandardCharsets.UTF_8), headers);

        TestRecord<String, TaskEvent> event = scheduler.events().readRecord();
        assertThat(header(event, Headers.TRACEPARENT)).isEqualTo(traceparent);
        assertThat(header(event, Headers.SCHEMA)).isEqualTo("task-event/v1");
        assertThat(event.headers().headers(Headers.SCHEMA)).hasSize(1);
        assertThat(header(scheduler.ready(Priority.NORMAL).readRecord(), Headers.TRACEPARENT)).isEqualTo(traceparent);
    }

    @Test
    void unreadableBytesGoToTheDlqOnlyWithTheirRawValueAndAreCounted() {
        byte[] garbage = {(byte) 0xC3, (byte) 0x28, 0x00, (byte) 0xFF};
        scheduler.submit(Priority.NORMAL, "k1", garbage, new RecordHeaders());

        TestRecord<String, DeadLetter> dead = scheduler.dlq().readRecord();
        assertThat(dead.key()).isEqualTo("k1");
        assertThat(header(dead, Headers.ERROR)).isEqualTo("unreadable_record");
        assertThat(dead.value().reason()).isEqualTo("unreadable_record");
        assertThat(dead.value().taskId()).isNull();
        assertThat(dead.value().detail()).startsWith("not JSON");
        DeadLetter.SourceRecord source = dead.value().source();
        assertThat(source.topic()).isEqualTo("taskstream.submit.normal");
        assertThat(source.offset()).isZero();
        assertThat(source.key()).isEqualTo("k1");
        assertThat(source.valueEncoding()).isEqualTo("base64");
        assertThat(Base64.getDecoder().decode(source.value())).isEqualTo(garbage);

        assertThat(scheduler.events().isEmpty()).isTrue();
        assertThat(scheduler.ready(Priority.NORMAL).isEmpty()).isTrue();
        assertThat(scheduler.count("tasks.rejected", "reason", "unreadable_record")).isEqualTo(1);
    }

    @Test
    void jsonThatIsNotAnObjectGoesToTheDlqOnly() {
        scheduler.submit(Priority.NORMAL, "k2", "[1, 2, 3]");

        DeadLetter dead = scheduler.dlq().readValue();
        assertThat(dead.detail()).isEqualTo("not a JSON object");
        assertThat(dead.source().value()).isEqualTo("[1, 2, 3]");
        assertThat(dead.source().valueEncoding()).isEqualTo("utf-8");
        assertThat(scheduler.events().isEmpty()).isTrue();
        assertThat(scheduler.count("tasks.rejected", "reason", "unreadable_record")).isEqualTo(1);
    }

    @Test
    void emptyValueGoesToTheDlqOnly() {
        scheduler.submit(Priority.LOW, "k3", (String) null);

        TestRecord<String, DeadLetter> dead = scheduler.dlq().readRecord();
        assertThat(dead.value().detail()).isEqualTo("empty record value");
        assertThat(header(dead, Headers.ERROR)).isEqualTo("unreadable_record");
        assertThat(scheduler.events().isEmpty()).isTrue();
    }

    @Test
    void submissionWithoutTenantGoesToTheDlqOnly() {
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.NORMAL, id.toString(), """
                {"id": "%s", "type": "email.send", "payload": {}}""".formatted(id));

        TestRecord<String, DeadLetter> dead = scheduler.dlq().readRecord();
        assertThat(dead.key()).isEqualTo(id.toString());
        assertThat(header(dead, Headers.ERROR)).isEqualTo("unreadable_record");
        assertThat(dead.value().detail()).startsWith("no valid tenantId");
        assertThat(scheduler.events().isEmpty()).isTrue();
        assertThat(scheduler.count("tasks.rejected", "reason", "unreadable_record")).isEqualTo(1);
    }

    @Test
    void submissionWhoseTenantBreaksThePatternGoesToTheDlqOnly() {
        scheduler.submit(Priority.NORMAL, "k4", """
                {"tenantId": "no spaces allowed", "type": "email.send", "payload": {}}""");

        assertThat(scheduler.dlq().readValue().detail()).startsWith("no valid tenantId");
        assertThat(scheduler.events().isEmpty()).isTrue();
    }

    @Test
    void readableButInvalidSubmissionBecomesAFailedTaskOfItsTenant() {
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.HIGH, id.toString(), """
                {"id": "%s", "tenantId": "acme", "type": "email.send", "payload": "not an object", "maxAttempts": 99}"""
                .formatted(id));

        TestRecord<String, TaskEvent> event = scheduler.events().readRecord();
        assertThat(event.key()).isEqualTo(id.toString());
        TaskEvent failed = event.value();
        assertThat(failed.taskId()).isEqualTo(id);
        assertThat(failed.tenantId()).isEqualTo("acme");
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.version()).isEqualTo(1);
        assertThat(failed.type()).isEqualTo("email.send");
        assertThat(failed.priority()).isEqualTo(Priority.HIGH);
        assertThat(failed.error().code()).isEqualTo("invalid_record");
        assertThat(failed.error().retryable()).isFalse();
        assertThat(failed.error().message()).contains("payload").contains("maxAttempts");

        TestRecord<String, DeadLetter> dead = scheduler.dlq().readRecord();
        assertThat(dead.key()).isEqualTo(id.toString());
        assertThat(header(dead, Headers.ERROR)).isEqualTo("invalid_record");
        assertThat(dead.value().taskId()).isEqualTo(id);
        assertThat(dead.value().tenantId()).isEqualTo("acme");
        assertThat(dead.value().reason()).isEqualTo("invalid_record");
        assertThat(dead.value().detail()).contains("maxAttempts");
        assertThat(dead.value().source().topic()).isEqualTo("taskstream.submit.high");

        assertThat(scheduler.ready(Priority.HIGH).isEmpty()).isTrue();
        assertThat(scheduler.count("tasks.rejected", "reason", "invalid_record")).isEqualTo(1);
    }

    @Test
    void invalidRecordWithoutIdGetsADeterministicId() {
        scheduler.submit(Priority.NORMAL, "not-a-uuid", """
                {"tenantId": "acme", "type": "Bad Type", "payload": {}}""");

        TaskEvent failed = scheduler.events().readValue();
        assertThat(failed.taskId()).isEqualTo(TaskIds.nameBased("taskstream.submit.normal/0/0"));
        assertThat(failed.type()).isNull();
        assertThat(scheduler.dlq().readValue().taskId()).isEqualTo(failed.taskId());
    }

    @Test
    void theStreamGoesOnAfterAPoisonRecord() {
        scheduler.submit(Priority.NORMAL, "poison", "{");
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.NORMAL, id.toString(), submission(id, ""));

        assertThat(scheduler.dlq().readValuesToList()).hasSize(1);
        assertThat(scheduler.ready(Priority.NORMAL).readValue().taskId()).isEqualTo(id);
    }
}
