package io.taskstream.worker.samples;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import io.taskstream.schemas.TaskIds;
import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;

/**
 * {@code report.generate}: {@code {"ms": n}} works for n milliseconds, reporting its progress as it
 * goes ({@link TaskContext#progress(int, String)}, after every {@link Sleeper#SLICE}), then answers
 * a small report (its id is derived from the task id, so a second run answers the same report). A
 * cancel stops the work early, without a report.
 */
public final class ReportGenerateHandler implements TaskHandler {

    /** What the task answers. */
    public record Report(String reportId, String generatedAt, long tookMs, List<String> lines) {
    }

    private final Clock clock;
    private final Sleeper sleeper;

    public ReportGenerateHandler(Clock clock, Sleeper sleeper) {
        this.clock = clock;
        this.sleeper = sleeper;
    }

    @Override
    public String type() {
        return "report.generate";
    }

    @Override
    public HandlerResult handle(TaskContext context) throws InterruptedException {
        Duration work = context.payloadAs(Millis.class).duration();
        Duration done = Duration.ZERO;
        while (done.compareTo(work) < 0) {
            Duration step = work.minus(done).compareTo(Sleeper.SLICE) < 0 ? work.minus(done) : Sleeper.SLICE;
            if (sleeper.sleepUnlessCancelled(context, step).compareTo(step) < 0) {
                return HandlerResult.cancelled("report cancelled before it was done");
            }
            done = done.plus(step);
            // the context passes on at most one report a second, so asking after every slice is fine
            context.progress((int) (done.toMillis() * 100 / work.toMillis()),
                    "generated " + done.toMillis() + " of " + work.toMillis() + " ms");
        }
        String reportId = TaskIds.nameBased("report:" + context.taskId()).toString();
        return HandlerResult.completed(new Report(reportId, clock.instant().toString(), work.toMillis(), List.of(
                "tenant: " + context.tenantId(),
                "attempt: " + context.attempt() + " of " + context.maxAttempts(),
                "labels: " + context.labels().size())));
    }
}
