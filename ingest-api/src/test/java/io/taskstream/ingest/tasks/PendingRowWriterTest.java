package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.QueryTimeoutException;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.ingest.tasks.TaskRepository.PendingRow;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskSubmission;

class PendingRowWriterTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** A repository that records each statement's rows, can hold statements back and refuses "bad" tasks. */
    private static final class Statements extends TaskRepository {

        final List<List<PendingRow>> written = new CopyOnWriteArrayList<>();
        volatile CountDownLatch hold = new CountDownLatch(0);
        final CountDownLatch entered = new CountDownLatch(1);

        Statements() {
            super(null);
        }

        @Override
        public Set<UUID> insertPending(List<PendingRow> rows) {
            entered.countDown();
            try {
                hold.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (rows.stream().anyMatch(row -> row.submission().type().equals("bad"))) {
                throw new DataIntegrityViolationException("unsupported Unicode escape sequence");
            }
            if (rows.stream().anyMatch(row -> row.submission().type().equals("down"))) {
                throw new DataAccessResourceFailureException("connection refused");
            }
            written.add(rows);
            Set<UUID> ids = new HashSet<>();
            rows.forEach(row -> ids.add(row.submission().id()));
            return ids;
        }
    }

    private final Statements repository = new Statements();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final PendingRowWriter writer = new PendingRowWriter(repository, 5, meters);

    @AfterEach
    void close() throws InterruptedException {
        repository.hold.countDown();
        writer.close();
    }

    private static PendingRow row(String type) {
        TaskSubmission submission = new TaskSubmission(UUID.randomUUID(), "acme", type, Json.mapper().createObjectNode(),
                Priority.NORMAL, null, null, null, null, null, null, null, null, null, null, Instant.parse("2026-11-29T10:00:00Z"));
        return new PendingRow(submission, null, null);
    }

    private CompletableFuture<Set<UUID>> insertAsync(List<PendingRow> rows) {
        return CompletableFuture.supplyAsync(() -> writer.insert(rows, WAIT));
    }

    @Test
    void aLoneRequestIsWrittenAtOnce() {
        PendingRow row = row("a");

        assertThat(writer.insert(List.of(row), WAIT)).containsExactly(row.submission().id());
        assertThat(repository.written).containsExactly(List.of(row));
    }

    @Test
    void requestsThatArriveWhileAStatementRunsAreWrittenTogether() throws Exception {
        repository.hold = new CountDownLatch(1);
        CompletableFuture<Set<UUID>> first = insertAsync(List.of(row("a")));
        assertThat(repository.entered.await(10, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<Set<UUID>>> next = List.of(insertAsync(List.of(row("b"), row("c"))),
                insertAsync(List.of(row("d"))), insertAsync(List.of(row("e"))));
        await().atMost(Duration.ofSeconds(10)).until(() -> writerQueueHolds(3));

        repository.hold.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).hasSize(1);
        for (CompletableFuture<Set<UUID>> request : next) {
            assertThat(request.get(10, TimeUnit.SECONDS)).hasSize(4);
        }
        assertThat(repository.written).extracting(List::size).containsExactly(1, 4);
        assertThat(meters.get("taskstream.ingest.ryw.group.rows").summary().max()).isEqualTo(4.0);
    }

    @Test
    void aGroupHoldsAtMostMaxRows() throws Exception {
        repository.hold = new CountDownLatch(1);
        CompletableFuture<Set<UUID>> first = insertAsync(List.of(row("a")));
        assertThat(repository.entered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Set<UUID>> three = insertAsync(List.of(row("b"), row("c"), row("d")));
        await().atMost(Duration.ofSeconds(10)).until(() -> writerQueueHolds(1));
        CompletableFuture<Set<UUID>> another3 = insertAsync(List.of(row("e"), row("f"), row("g")));
        await().atMost(Duration.ofSeconds(10)).until(() -> writerQueueHolds(2));

        repository.hold.countDown();

        first.get(10, TimeUnit.SECONDS);
        three.get(10, TimeUnit.SECONDS);
        another3.get(10, TimeUnit.SECONDS);
        assertThat(repository.written).extracting(List::size).containsExactly(1, 3, 3);
    }

    @Test
    void aRowPostgresRefusesFailsOnlyItsOwnRequest() throws Exception {
        repository.hold = new CountDownLatch(1);
        CompletableFuture<Set<UUID>> first = insertAsync(List.of(row("a")));
        assertThat(repository.entered.await(10, TimeUnit.SECONDS)).isTrue();
        PendingRow good = row("b");
        CompletableFuture<Set<UUID>> fine = insertAsync(List.of(good));
        CompletableFuture<Set<UUID>> refused = insertAsync(List.of(row("bad")));
        await().atMost(Duration.ofSeconds(10)).until(() -> writerQueueHolds(2));

        repository.hold.countDown();

        first.get(10, TimeUnit.SECONDS);
        assertThat(fine.get(10, TimeUnit.SECONDS)).containsExactly(good.submission().id());
        assertThat(refused).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .withRootCauseInstanceOf(DataIntegrityViolationException.class);
    }

    @Test
    void aDatabaseThatIsDownFailsTheWholeGroup() {
        assertThatThrownBy(() -> writer.insert(List.of(row("down")), WAIT))
                .isInstanceOf(DataAccessResourceFailureException.class);
        assertThatThrownBy(() -> writer.insert(List.of(row("bad")), WAIT))
                .isInstanceOf(DataIntegrityViolationException.class);
        assertThat(repository.written).isEmpty();
    }

    @Test
    void aRequestThatStopsWaitingLeavesItsQueuedRowsUnwritten() throws Exception {
        repository.hold = new CountDownLatch(1);
        CompletableFuture<Set<UUID>> first = insertAsync(List.of(row("a")));
        assertThat(repository.entered.await(10, TimeUnit.SECONDS)).isTrue();

        assertThatThrownBy(() -> writer.insert(List.of(row("late")), Duration.ofMillis(50)))
                .isInstanceOf(QueryTimeoutException.class);
        repository.hold.countDown();
        first.get(10, TimeUnit.SECONDS);
        PendingRow next = row("b");
        assertThat(writer.insert(List.of(next), WAIT)).containsExactly(next.submission().id());

        assertThat(repository.written).extracting(rows -> rows.getFirst().submission().type())
                .containsExactly("a", "b");
    }

    @Test
    void aClosedWriterRefusesAtOnce() throws InterruptedException {
        writer.close();

        assertThatThrownBy(() -> writer.insert(List.of(row("a")), WAIT))
                .isInstanceOf(DataAccessResourceFailureException.class).hasMessageContaining("closed");
        assertThat(writer.insert(List.of(), WAIT)).isEmpty();
    }

    @Test
    void maxRowsMustBePositive() {
        assertThatThrownBy(() -> new PendingRowWriter(repository, 0, meters))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private boolean writerQueueHolds(int requests) {
        return writer.queued() == requests;
    }
}
