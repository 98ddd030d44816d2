package io.taskstream.worker.handler;

import io.taskstream.schemas.TaskProgress;

/**
 * Where {@link TaskContext#progress(int, String)} sends the reports its throttle lets through. The
 * worker's sink puts each on {@code events} as a progress event; a handler test can collect them
 * ({@code TaskContext.builder("t").progress(reports::add)}).
 *
 * <p>Called on the handler's thread: it must not throw, and should not block for long.
 */
@FunctionalInterface
public interface ProgressSink {

    /** Drops every report (the default of {@link TaskContext#builder(String)}). */
    ProgressSink NONE = progress -> {
    };

    void report(TaskProgress progress);
}
