package io.taskstream.scheduler.output;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import io.taskstream.scheduler.schedules.ScheduleRun;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Headers;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.tracing.Tracing;

/**
 * Everything the topology writes, as calls: one method per kind of output record, each
 * forwarding to its sink node. Output records get fresh headers (the input's {@code ts-schema}
 * must not leak onto another document): the task's {@code traceparent} when known, and
 * {@code ts-error} on dead letters. The value serdes of the sinks add {@code ts-schema}.
 */
public final class Outputs {

    /** Sink node names; {@code SchedulerTopology} adds a sink under each. */
    public static final String EVENTS = "events-sink";
    public static final String DLQ = "dlq-sink";
    /** The schedules' own sinks: a sink shared with the task processors would join the two sub-topologies. */
    public static final String SCHEDULE_DLQ = "schedule-dlq-sink";
    public static final String SCHEDULE_RUNS = "schedule-runs-sink";

    private final ProcessorContext<String, Object> context;
    private final String dlqSink;

    /** The outputs of a task processor. */
    public Outputs(ProcessorContext<String, Object> context) {
        this(context, DLQ);
    }

    private Outputs(ProcessorContext<String, Object> context, String dlqSink) {
        this.context = context;
        this.dlqSink = dlqSink;
    }

    /** The outputs of a schedule processor (its dead letters go through {@link #SCHEDULE_DLQ}). */
    public static Outputs ofSchedules(ProcessorContext<String, Object> context) {
        return new Outputs(context, SCHEDULE_DLQ);
    }

    public static String ready(Priority priority) {
        return "ready-" + priority.topicSuffix() + "-sink";
    }

    public static String resubmit(Priority priority) {
        return "resubmit-" + priority.topicSuffix() + "-sink";
    }

    public static String fire(Priority priority) {
        return "fire-" + priority.topicSuffix() + "-sink";
    }

    /** A status change on {@code events}, keyed by task id. */
    public void event(TaskEvent event, String traceparent, Instant now) {
        forward(EVENTS, event.taskId().toString(), event, headers(traceparent), now);
    }

    /** An attempt for the workers on {@code ready.<priority>}, keyed by ordering key, else task id. */
    public void dispatch(TaskDispatch dispatch, String traceparent, Instant now) {
        forward(ready(dispatch.priority()), dispatch.dispatchKey(), dispatch, headers(traceparent), now);
    }

    /** A dead letter on {@code dlq} with header {@code ts-error: <reason>}. */
    public void deadLetter(String key, DeadLetter deadLetter, String traceparent, Instant now) {
        RecordHeaders headers = headers(traceparent);
        headers.add(Headers.ERROR, deadLetter.reason().getBytes(StandardCharsets.UTF_8));
        forward(dlqSink, key, deadLetter, headers, now);
    }

    /** A task a schedule fired, on {@code submit.<priority>} keyed by its id, for admission like any other. */
    public void fire(TaskSubmission submission, Instant now) {
        forward(fire(submission.priority()), submission.id().toString(), submission, headers(null), now);
    }

    /** A task of a schedule ended: told to the schedule's partition on {@code schedule-runs}. */
    public void scheduleRun(ScheduleRun run, Instant now) {
        forward(SCHEDULE_RUNS, run.scheduleKey(), run, headers(null), now);
    }

    /** A submission written back to its submit topic, keyed by its (resolved) task id. */
    public void resubmit(Priority topicPriority, TaskSubmission submission, String traceparent, Instant now) {
        forward(resubmit(topicPriority), submission.id().toString(), submission, headers(traceparent), now);
    }

    private void forward(String sink, String key, Object value, RecordHeaders headers, Instant now) {
        context.forward(new Record<>(key, value, now.toEpochMilli(), headers), sink);
    }

    /** The current span's {@code traceparent} when the scheduler is tracing this work, else {@code traceparent}. */
    private static RecordHeaders headers(String traceparent) {
        RecordHeaders headers = new RecordHeaders();
        String parent = Tracing.currentTraceparent().orElse(traceparent);
        if (parent != null) {
            headers.add(Headers.TRACEPARENT, parent.getBytes(StandardCharsets.UTF_8));
        }
        return headers;
    }

    /** The {@code traceparent} header of an input record, if any. */
    public static String traceparent(org.apache.kafka.common.header.Headers headers) {
        if (headers == null) {
            return null;
        }
        var header = headers.lastHeader(Headers.TRACEPARENT);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
