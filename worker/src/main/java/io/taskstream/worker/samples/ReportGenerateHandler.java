package io.taskstream.worker.samples;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import io.taskstream.schemas.TaskIds;
import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;

/**
 * {@code report.generate}: {@code {"ms": n}} works for n milliseconds, then answers a small report
 * (its id is derived from the task id, so a second run answers the same report). A cancel stops the
 * work early, without a report.
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
        if (sleeper.sleepUnlessCancelled(context, work).compareTo(work) < 0) {
            return HandlerResult.cancelled("report cancelled before it was done");
        }
        String reportId = TaskIds.nameBased("report:" + context.taskId()).toString();
        return HandlerResult.completed(new Report(reportId, clock.instant().toString(), work.toMillis(), List.of(
                "tenant: " + context.tenantId(),
                "attempt: " + context.attempt() + " of " + context.maxAttempts(),
                "labels: " + context.labels().size())));
    }
}
