package io.taskstream.ingest.schedules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.mockito.InOrder;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.ingest.tasks.SubmissionReader;
import io.taskstream.ingest.tasks.TaskSubmitter;
import io.taskstream.ingest.tasks.TaskView;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskSubmission;
import tools.jackson.databind.node.ObjectNode;

/**
 * The write protocol of {@link Schedules} — Postgres, then Kafka, then the commit — and what happens when
 * each step fails, on mocks; the happy paths against real infrastructure are {@code ScheduleApiIT}'s.
 */
class SchedulesTest {

    static final Instant NOW = Instant.parse("2026-11-28T10:00:00.123456789Z");
    static final ApiPrincipal ADMIN = new ApiPrincipal("acme", "key-1", Set.of(Scope.ADMIN));
    static final UUID ID = UUID.fromString("0193a2f0-5b1c-7e2d-8f3a-4b5c6d7e8f90");
    static final SchemaValidator VALIDATOR = SchemaValidator.load();

    /** Records commits and rollbacks; its commit can be made to fail. */
    static final class Transactions extends AbstractPlatformTransactionManager {
        int commits;
        int rollbacks;
        RuntimeException commitFailure;

        @Override
        protected Object doGetTransaction() {
            return new Object();
        }

        @Override
        protected void doBegin(Object transaction, TransactionDefinition definition) {
        }

        @Override
        protected void doCommit(DefaultTransactionStatus status) {
            if (commitFailure != null) {
                throw commitFailure;
            }
            commits++;
        }

        @Override
        protected void doRollback(DefaultTransactionStatus status) {
            rollbacks++;
        }
    }

    private final ScheduleRepository repository = mock(ScheduleRepository.class);
    private final SchedulePublisher publisher = mock(SchedulePublisher.class);
    private final TaskSubmitter submitter = mock(TaskSubmitter.class);
    private final Transactions transactions = new Transactions();
    private final Schedules schedules = new Schedules(repository, publisher,
            new ScheduleReader(new SubmissionReader(VALIDATOR, 1024), VALIDATOR, Duration.ofMinutes(1)),
            new CronPreviews(100), submitter, new TransactionTemplate(transactions), Clock.fixed(NOW, ZoneOffset.UTC),
            new Random(7), Duration.ofSeconds(5));

    private static ObjectNode body(String name, String cron) {
        return (ObjectNode) Json.mapper().readTree("""
                {"name": "%s", "cron": "%s", "timezone": "Europe/Berlin",
                 "task": {"type": "report.generate", "payload": {"ms": 5}, "priority": "LOW"}}
                """.formatted(name, cron));
    }

    private static ScheduleDefinition stored(String cron, boolean enabled) {
        return new ScheduleDefinition(ID, "acme", "nightly", cron, "Europe/Berlin",
                new ScheduleDefinition.TaskTemplate("report.generate", Json.mapper().createObjectNode().put("ms", 5),
                        Priority.LOW, 4, Duration.ofMinutes(5), null, Map.of("team", "billing")),
                enabled, null, null, Instant.parse("2026-11-20T09:00:00Z"));
    }

    private static Schedule schedule(ScheduleDefinition definition, long version) {
        return new Schedule(definition, version, Instant.parse("2026-11-20T09:00:00Z"), null, null);
    }

    @Test
    void aNewScheduleIsWrittenThenPublishedThenCommitted() {
        ScheduleView view = schedules.create(ADMIN, body("nightly", "0 2 * * *"), null);

        ArgumentCaptor<ScheduleDefinition> published = ArgumentCaptor.forClass(ScheduleDefinition.class);
        InOrder order = inOrder(repository, publisher);
        order.verify(repository).insert(any(), eq(Instant.parse("2026-11-28T10:00:00.123456Z")));
        order.verify(publisher).publish(published.capture(), eq(null));
        assertThat(transactions.commits).isEqualTo(1);
        assertThat(published.getValue().scheduleId()).isEqualTo(view.id());
        assertThat(published.getValue().updatedAt()).as("to the microsecond, as Postgres keeps it")
                .isEqualTo(Instant.parse("2026-11-28T10:00:00.123456Z"));
        assertThat(view.id().version()).isEqualTo(7);
        assertThat(view.description()).isEqualTo("at 02:00");
        assertThat(view.nextRuns()).containsExactly("2026-11-29T02:00:00+01:00", "2026-11-30T02:00:00+01:00",
                "2026-12-01T02:00:00+01:00", "2026-12-02T02:00:00+01:00", "2026-12-03T02:00:00+01:00");
        assertThat(view.createdAt()).isEqualTo(view.updatedAt());
        assertThat(view.lastRunAt()).isNull();
    }

    @Test
    void aRecordKafkaDidNotTakeRollsTheRowBackAndPutsTheTopicBackToWhatPostgresHolds() {
        doThrow(ApiException.dependencyUnavailable("Kafka", Duration.ofSeconds(5), null))
                .when(publisher).publish(any(), any());
        when(repository.find(eq("acme"), any())).thenReturn(Optional.empty());

        assertThatThrownBy(() -> schedules.create(ADMIN, body("nightly", "0 2 * * *"), null))
                .isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        assertThat(transactions.rollbacks).isEqualTo(1);
        assertThat(transactions.commits).isZero();
        ArgumentCaptor<String> key = ArgumentCaptor.forClass(String.class);
        verify(publisher).restore(key.capture(), eq(null));
        assertThat(key.getValue()).startsWith("acme/");
    }

    @Test
    void aCommitThatFailsAfterKafkaTookTheRecordRestoresTheTopicAndIs503() {
        when(repository.find("acme", ID)).thenReturn(Optional.of(schedule(stored("0 2 * * *", true), 3)));
        when(repository.update(any(), eq(3L))).thenReturn(true);
        transactions.commitFailure = new TransactionSystemException("connection lost at commit");

        assertThatThrownBy(() -> schedules.replace(ADMIN, ID, body("nightly", "0 3 * * *"), null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(5));
                });
        ArgumentCaptor<ScheduleDefinition> published = ArgumentCaptor.forClass(ScheduleDefinition.class);
        verify(publisher).publish(published.capture(), any());
        assertThat(published.getValue().cron()).isEqualTo("0 3 * * *");
        verify(publisher).restore("acme/" + ID, stored("0 2 * * *", true));
    }

    @Test
    void whenPostgresCannotSayWhatItHoldsTheTopicGetsThePreviousDefinitionBack() {
        ScheduleDefinition before = stored("0 2 * * *", true);
        when(repository.find("acme", ID)).thenReturn(Optional.of(schedule(before, 0)))
                .thenThrow(new DataAccessResourceFailureException("postgres gone"));
        when(repository.update(any(), eq(0L))).thenReturn(true);
        doThrow(ApiException.dependencyUnavailable("Kafka", Duration.ofSeconds(5), null))
                .when(publisher).publish(any(), any());

        assertThatThrownBy(() -> schedules.setEnabled(ADMIN, ID, false, null)).isInstanceOf(ApiException.class);
        verify(publisher).restore("acme/" + ID, before);
    }

    @Test
    void aDeletionKafkaDidNotTakePutsTheDeletedDefinitionBackWhenPostgresCannotAnswer() {
        ScheduleDefinition before = stored("0 2 * * *", true);
        when(repository.delete("acme", ID)).thenReturn(Optional.of(before));
        when(repository.find("acme", ID)).thenThrow(new DataAccessResourceFailureException("postgres gone"));
        doThrow(ApiException.dependencyUnavailable("Kafka", Duration.ofSeconds(5), null))
                .when(publisher).publishDeletion(anyString(), any());

        assertThatThrownBy(() -> schedules.delete(ADMIN, ID, null)).isInstanceOf(ApiException.class);
        assertThat(transactions.rollbacks).isEqualTo(1);
        verify(publisher).restore("acme/" + ID, before);
    }

    @Test
    void aDeletedScheduleGoesAsATombstone() {
        when(repository.delete("acme", ID)).thenReturn(Optional.of(stored("0 2 * * *", true)));

        ScheduleDefinition deleted = schedules.delete(ADMIN, ID, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        verify(publisher).publishDeletion("acme/" + ID, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(deleted.name()).as("what the audit row names").isEqualTo("nightly");
        assertThat(transactions.commits).isEqualTo(1);
    }

    @Test
    void deletingAMissingScheduleIs404AndPublishesNothing() {
        when(repository.delete("acme", ID)).thenReturn(Optional.empty());

        assertThatThrownBy(() -> schedules.delete(ADMIN, ID, null)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        verify(publisher, never()).publishDeletion(anyString(), any());
        verify(publisher, never()).restore(anyString(), any());
    }

    @Test
    void aTakenNameIsAConflictNamingTheScheduleThatHasIt() {
        doThrow(new DuplicateKeyException("schedules_tenant_id_name_key")).when(repository).insert(any(), any());
        when(repository.idOfName("acme", "nightly")).thenReturn(Optional.of(ID));

        assertThatThrownBy(() -> schedules.create(ADMIN, body("nightly", "0 2 * * *"), null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
                    assertThat(e.getMessage()).contains("'nightly'").contains(ID.toString());
                });
        verify(publisher, never()).publish(any(), any());
        verify(publisher, never()).restore(anyString(), any());
    }

    @Test
    void aTakenNameIsAConflictEvenWhenItsHolderCannotBeRead() {
        when(repository.find("acme", ID)).thenReturn(Optional.of(schedule(stored("0 2 * * *", true), 0)));
        when(repository.update(any(), anyLong())).thenThrow(new DuplicateKeyException("name"));
        when(repository.idOfName(anyString(), anyString())).thenThrow(new DataAccessResourceFailureException("x"));

        assertThatThrownBy(() -> schedules.replace(ADMIN, ID, body("taken", "0 2 * * *"), null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
    }

    @Test
    void aWriteThatLosesTheRaceReadsAgainAndGivesUpAfterThreeTries() {
        when(repository.find("acme", ID)).thenReturn(Optional.of(schedule(stored("0 2 * * *", true), 5)));
        when(repository.update(any(), anyLong())).thenReturn(false);

        assertThatThrownBy(() -> schedules.setEnabled(ADMIN, ID, false, null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        verify(repository, times(Schedules.ATTEMPTS)).find("acme", ID);
        verify(publisher, never()).publish(any(), any());
    }

    @Test
    void aPatchChangesOnlyEnabledOfTheDefinitionItReadLast() {
        when(repository.find("acme", ID)).thenReturn(Optional.of(schedule(stored("0 2 * * *", true), 1)),
                Optional.of(schedule(stored("0 4 * * *", true), 2)));
        when(repository.update(any(), eq(1L))).thenReturn(false);
        when(repository.update(any(), eq(2L))).thenReturn(true);

        ScheduleView view = schedules.setEnabled(ADMIN, ID, false, null);

        ArgumentCaptor<ScheduleDefinition> published = ArgumentCaptor.forClass(ScheduleDefinition.class);
        verify(publisher).publish(published.capture(), any());
        assertThat(published.getValue().enabled()).isFalse();
        assertThat(published.getValue().cron()).as("the concurrent PUT's cron is kept").isEqualTo("0 4 * * *");
        assertThat(published.getValue().task()).isEqualTo(stored("0 4 * * *", true).task());
        assertThat(view.nextRuns()).isEmpty();
        assertThat(view.enabled()).isFalse();
    }

    @Test
    void changingAMissingScheduleIs404() {
        when(repository.find("acme", ID)).thenReturn(Optional.empty());

        assertThatThrownBy(() -> schedules.replace(ADMIN, ID, body("n", "0 2 * * *"), null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThatThrownBy(() -> schedules.get("acme", ID, null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThatThrownBy(() -> schedules.trigger(ADMIN, ID, null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void aTriggerSubmitsTheTemplateWithTheSchedulesIdAndShowsTheTaskAsTheLastRun() {
        when(repository.find("acme", ID)).thenReturn(Optional.of(schedule(stored("0 2 * * *", false), 0)));
        UUID taskId = UUID.randomUUID();
        Instant acceptedAt = Instant.parse("2026-11-28T10:00:00.123456Z");
        when(submitter.newTaskId()).thenReturn(taskId);
        when(submitter.now()).thenReturn(acceptedAt);
        when(submitter.submit(any(), any())).thenAnswer(call -> TaskView.pending(call.getArgument(0), null));

        Schedules.Triggered triggered = schedules.trigger(ADMIN, ID, null);

        ArgumentCaptor<TaskSubmission> submitted = ArgumentCaptor.forClass(TaskSubmission.class);
        verify(submitter).submit(submitted.capture(), eq(null));
        TaskSubmission s = submitted.getValue();
        assertThat(s.id()).isEqualTo(taskId);
        assertThat(s.tenantId()).isEqualTo("acme");
        assertThat(s.scheduleId()).isEqualTo(ID);
        assertThat(s.type()).isEqualTo("report.generate");
        assertThat(s.priority()).isEqualTo(Priority.LOW);
        assertThat(s.labels()).containsEntry("team", "billing");
        assertThat(s.createdAt()).isEqualTo(acceptedAt);
        assertThat(s.runAt()).isNull();
        assertThat(triggered.taskId()).isEqualTo(taskId);
        assertThat(triggered.schedule().lastTaskId()).isEqualTo(taskId);
        assertThat(triggered.schedule().lastRunAt()).isEqualTo(acceptedAt);
        assertThat(triggered.schedule().nextRuns()).as("still disabled").isEmpty();
    }

    @Test
    void aStoredCronThatCannotBeReadIsShownWithoutDescriptionOrFireTimes() {
        ScheduleDefinition broken = new ScheduleDefinition(ID, "acme", "old", "not a cron", "UTC",
                stored("0 2 * * *", true).task(), true, null, null, NOW);
        when(repository.find("acme", ID)).thenReturn(Optional.of(schedule(broken, 0)));

        ScheduleView view = schedules.get("acme", ID, null);

        assertThat(view.description()).isNull();
        assertThat(view.nextRuns()).isEmpty();
        assertThat(view.cron()).isEqualTo("not a cron");
    }

    @Test
    void aPreviewStartsWhereItIsAsked() {
        when(repository.find("acme", ID)).thenReturn(Optional.of(schedule(stored("30 2 * * *", true), 0)));

        assertThat(schedules.get("acme", ID, Instant.parse("2027-03-27T12:00:00Z")).nextRuns())
                .startsWith("2027-03-28T03:00:00+02:00", "2027-03-29T02:30:00+02:00");
    }
}
