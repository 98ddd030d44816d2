package io.taskstream.worker.execution;

import java.util.concurrent.CompletableFuture;

import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.TaskEvent;

/**
 * Where the {@link TaskExecutor} reports an attempt: the {@code PROCESSING} event when it starts,
 * progress events while it runs, and the {@link AttemptResult} when it ends. Each future completes
 * once the report is durable (for Kafka: acknowledged with {@code acks=all}); only then may the
 * dispatch's offset be committed.
 */
public interface AttemptReporter {

    CompletableFuture<Void> started(TaskEvent processing);

    CompletableFuture<Void> finished(AttemptResult result);

    /**
     * A progress event: the attempt's {@code PROCESSING} event again, carrying
     * {@link TaskEvent#progress()}. It goes where {@link #started} goes (the {@code events} topic),
     * which is what this default does. Best effort: nothing waits for it.
     */
    default CompletableFuture<Void> progressed(TaskEvent progress) {
        return started(progress);
    }
}
