package io.taskstream.worker.support;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.worker.execution.AttemptReporter;

/**
 * Keeps what is reported. By default every report is acknowledged at once; with
 * {@link #holdAcknowledgements()} each waits until the test completes its future.
 */
public final class RecordingReporter implements AttemptReporter {

    public final List<TaskEvent> events = new CopyOnWriteArrayList<>();
    public final List<AttemptResult> results = new CopyOnWriteArrayList<>();
    public final List<CompletableFuture<Void>> pendingResults = new CopyOnWriteArrayList<>();
    private volatile boolean hold;
    private volatile RuntimeException eventFailure;

    public RecordingReporter holdAcknowledgements() {
        hold = true;
        return this;
    }

    public RecordingReporter failEventsWith(RuntimeException failure) {
        eventFailure = failure;
        return this;
    }

    @Override
    public CompletableFuture<Void> started(TaskEvent processing) {
        events.add(processing);
        return eventFailure == null ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(eventFailure);
    }

    @Override
    public CompletableFuture<Void> finished(AttemptResult result) {
        results.add(result);
        if (!hold) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> ack = new CompletableFuture<>();
        pendingResults.add(ack);
        return ack;
    }
}
