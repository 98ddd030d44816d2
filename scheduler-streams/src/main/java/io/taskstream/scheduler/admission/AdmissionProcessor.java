package io.taskstream.scheduler.admission;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import io.opentelemetry.api.trace.SpanKind;
import io.taskstream.scheduler.lifecycle.TaskLifecycle;
import io.taskstream.scheduler.lifecycle.Tick;
import io.taskstream.scheduler.output.DeadLetters;
import io.taskstream.scheduler.output.Outputs;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.state.TaskState;
import io.taskstream.scheduler.state.TaskStore;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Decoded;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.WireCodec;
import io.taskstream.schemas.tracing.TracedWork;
import io.taskstream.schemas.tracing.Tracing;
import tools.jackson.databind.JsonNode;

/**
 * Admission: turns each record of the {@code submit.*} topics into a task, or into a dead letter.
 * <ul>
 *   <li>Unreadable (not JSON, not an object, no usable tenant) → {@code dlq} only, keyed by the
 *       original key, with the raw value; counted in {@code tasks_rejected_total{reason}}.</li>
 *   <li>Readable but invalid → a {@code FAILED} task of that tenant: {@code TaskEvent FAILED}
 *       (version 1, error {@code invalid_record}) and a dead letter.</li>
 *   <li>Valid → its id is resolved ({@link TaskIdResolver}); a record not keyed by that id is
 *       written back to its submit topic keyed by it (so results, which are keyed by task id,
 *       meet its state on the same partition); an id already in the store is a duplicate and
 *       dropped (a finished task stays there for the dedup window); otherwise
 *       {@link TaskLifecycle#admit}: {@code QUEUED} (version 1) and a dispatch, or
 *       {@code SCHEDULED} (version 1) and a timer when it is due later.</li>
 * </ul>
 * It also schedules the stream task's wall-clock {@link Tick} (due timers, deadlines, purges).
 */
public final class AdmissionProcessor implements Processor<String, byte[], String, Object> {

    private final Map<String, Priority> priorityByTopic;
    private final SubmissionReader reader;
    private final TaskLifecycle.Rules rules;
    private final SchedulerMetrics metrics;
    private final Duration punctuateInterval;
    private final int maxDuePerTick;

    private ProcessorContext<String, Object> context;
    private TaskStore store;
    private Outputs out;
    private TaskLifecycle lifecycle;

    public AdmissionProcessor(Map<String, Priority> priorityByTopic, SubmissionReader reader, TaskLifecycle.Rules rules,
                              Duration punctuateInterval, int maxDuePerTick) {
        this.priorityByTopic = Map.copyOf(priorityByTopic);
        this.reader = reader;
        this.rules = rules;
        this.metrics = rules.metrics();
        this.punctuateInterval = punctuateInterval;
        this.maxDuePerTick = maxDuePerTick;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.store = TaskStore.of(context);
        this.out = new Outputs(context);
        this.lifecycle = rules.lifecycle(store, out);
        context.schedule(punctuateInterval, PunctuationType.WALL_CLOCK_TIME,
                new Tick(store, lifecycle, metrics, maxDuePerTick));
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        Optional<RecordMetadata> metadata = context.recordMetadata();
        Priority topicPriority = metadata.map(m -> priorityByTopic.get(m.topic())).orElse(Priority.NORMAL);
        Tracing tracing = rules.tracing();
        try (TracedWork work = tracing.start("admit", SpanKind.CONSUMER, Tracing.extract(record.headers()),
                record.key(), null)) {
            // the task's trace continues from this span (its events, dispatches and dead letters are children)
            String traceparent = Tracing.currentTraceparent().orElse(Outputs.traceparent(record.headers()));
            SubmissionReader.Read read = reader.read(record.value(), topicPriority);
            switch (read.decoded()) {
                case Decoded.Unreadable<TaskSubmission> unreadable ->
                        reject(record, metadata, unreadable, traceparent, now);
                case Decoded.Invalid<TaskSubmission> invalid ->
                        fail(record, metadata, invalid, read.json(), topicPriority, traceparent, now);
                case Decoded.Valid<TaskSubmission> valid -> {
                    work.put(TracedWork.TENANT_ID, valid.value().tenantId()); // for the log lines of its admission
                    admit(record, metadata, valid.value(), topicPriority, traceparent, now);
                }
            }
        }
    }

    private void reject(Record<String, byte[]> record, Optional<RecordMetadata> metadata,
                        Decoded.Unreadable<TaskSubmission> unreadable, String traceparent, Instant now) {
        metrics.submissionRejected(unreadable.reason());
        DeadLetter deadLetter = DeadLetters.unreadable(unreadable.reason(), unreadable.detail(),
                DeadLetters.source(metadata, record.key(), record.value()), now);
        out.deadLetter(record.key(), deadLetter, traceparent, now);
    }

    private void fail(Record<String, byte[]> record, Optional<RecordMetadata> metadata,
                      Decoded.Invalid<TaskSubmission> invalid, JsonNode json, Priority topicPriority,
                      String traceparent, Instant now) {
        UUID taskId = TaskIdResolver.resolve(invalid.taskId(), record.key(), metadata);
        TaskState existing = store.get(taskId);
        if (isDuplicate(existing)) {
            metrics.duplicateSubmission();
            return;
        }
        metrics.submissionRejected(WireCodec.INVALID);
        TaskError error = TaskError.permanent(WireCodec.INVALID, invalid.detail());
        String type = typeOf(json);
        TaskEvent failed = new TaskEvent(taskId, invalid.tenantId(), 1, TaskStatus.FAILED, now, type,
                topicPriority, 0, null, null, Instant.ofEpochMilli(record.timestamp()), null, null, null, null,
                null, null, error, null);
        out.event(failed, traceparent, now);
        out.deadLetter(taskId.toString(), new DeadLetter(taskId, invalid.tenantId(), WireCodec.INVALID,
                invalid.detail(), now, null, List.of(), DeadLetters.source(metadata, record.key(), record.value())),
                traceparent, now);
        store.save(existing, TaskState.rejected(taskId, invalid.tenantId(), traceparent, now,
                lifecycle.purgeTime(now)));
        // a FAILED task with a dead letter, though never admitted: counted as failed, not as submitted
        metrics.ended(TaskStatus.FAILED, invalid.tenantId(), type, topicPriority);
        metrics.deadLettered(invalid.tenantId(), type, topicPriority);
    }

    private void admit(Record<String, byte[]> record, Optional<RecordMetadata> metadata, TaskSubmission submitted,
                       Priority topicPriority, String traceparent, Instant now) {
        UUID taskId = TaskIdResolver.resolve(submitted.id(), record.key(), metadata);
        Instant createdAt = submitted.createdAt() != null
                ? submitted.createdAt() : Instant.ofEpochMilli(record.timestamp());
        TaskSubmission submission = submitted.withId(taskId).withCreatedAt(createdAt);
        if (!taskId.toString().equals(record.key())) {
            // Results are keyed by task id: the task's state must live on that key's partition.
            out.resubmit(topicPriority, submission, traceparent, now);
            return;
        }
        TaskState existing = store.get(taskId);
        if (isDuplicate(existing)) {
            metrics.duplicateSubmission();
            return;
        }
        lifecycle.admit(submission, existing, traceparent, now);
    }

    /** An id is taken by any state but the placeholder a {@code CANCEL} leaves for a task not admitted yet. */
    private static boolean isDuplicate(TaskState existing) {
        return existing != null && !existing.isPlaceholder();
    }

    /** The task type of an invalid record when it is a well-formed type, so the dead letter can be found by type. */
    private static String typeOf(JsonNode json) {
        JsonNode type = json == null ? null : json.get("type");
        return type != null && type.isString() && TaskSubmission.TYPE_PATTERN.matcher(type.asString()).matches()
                ? type.asString() : null;
    }
}
