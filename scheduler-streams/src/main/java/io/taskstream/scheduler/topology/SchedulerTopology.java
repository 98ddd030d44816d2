package io.taskstream.scheduler.topology;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.StoreBuilder;

import io.taskstream.scheduler.admission.AdmissionProcessor;
import io.taskstream.scheduler.admission.SubmissionReader;
import io.taskstream.scheduler.config.SchedulerProperties;
import io.taskstream.scheduler.control.ControlProcessor;
import io.taskstream.scheduler.dispatch.Dispatcher;
import io.taskstream.scheduler.lifecycle.TaskLifecycle;
import io.taskstream.scheduler.outcome.OutcomeProcessor;
import io.taskstream.scheduler.output.Outputs;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.retry.RetryPolicy;
import io.taskstream.scheduler.schedules.ScheduleDefinitionProcessor;
import io.taskstream.scheduler.schedules.ScheduleRules;
import io.taskstream.scheduler.schedules.ScheduleRun;
import io.taskstream.scheduler.schedules.ScheduleRunProcessor;
import io.taskstream.scheduler.schedules.ScheduleStore;
import io.taskstream.scheduler.state.TaskStore;
import io.taskstream.schemas.Backoff;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;
import io.taskstream.schemas.tracing.Tracing;

/**
 * The scheduling topology, built in one place for the application and its tests.
 *
 * <pre>
 *  submit.critical ┐                                   ┌→ events      (TaskEvent)
 *  submit.high     ├→ [submissions] → (admission) ─────┼→ dlq         (DeadLetter, ts-error)
 *  submit.normal   │                      │  ⟲ tick    ├→ ready.&lt;p&gt;   (TaskDispatch)
 *  submit.low      ┘                      │            └→ submit.&lt;p&gt;  (re-keyed TaskSubmission)
 *                 {task-state, task-timers, task-deadlines, task-purges}
 *  results ───────────→ [results] → (outcome) ──────────→ events, dlq, ready.&lt;p&gt;
 *  control ───────────→ [control] → (control) ──────────→ events, dlq, ready.&lt;p&gt;
 * </pre>
 *
 * <h2>How it works</h2>
 * The three processors share the stores (so they form one sub-topology and Kafka Streams gives
 * partition <i>n</i> of every input topic to the same stream task; the inputs must be
 * co-partitioned by task id): {@code task-state}, task id → {@code TaskState}, and three time
 * indexes, due time + task id → task id: {@code task-timers} (waiting tasks), {@code task-deadlines}
 * (attempts in flight) and {@code task-purges} (finished tasks, until the end of the dedup window).
 * Every input is read as raw bytes and decoded with {@code WireCodec}, which never throws: a bad
 * record becomes a dead letter, never a dead stream thread, and there is no deserialization step
 * that could fail before our code sees the record.
 * <ul>
 *   <li><b>admission</b> validates, deduplicates by task id and publishes {@code QUEUED} +
 *       dispatch, or {@code SCHEDULED} + a timer for a task due later; a record not keyed by its
 *       task id is written back to its submit topic keyed by it (one extra hop for such direct
 *       producers, so that results meet the task's state).</li>
 *   <li>a wall-clock {@code Tick} (every {@code punctuate-interval}, bounded work) releases due
 *       timers, times out attempts past their deadline and purges tasks past their dedup window.</li>
 *   <li><b>outcome</b> matches each result with the attempt in flight and completes, retries after
 *       the backoff, dead-letters or cancels the task.</li>
 *   <li><b>control</b> applies {@code CANCEL}, {@code REPRIORITIZE} and {@code REPLAY}.</li>
 * </ul>
 * All status changes themselves live in {@code TaskLifecycle}.
 *
 * <h2>Versions</h2>
 * Per task, each event takes the next version; a dispatch reserves one for the worker's
 * {@code PROCESSING} event ({@code TaskDispatch.eventVersion}). A task due at once: QUEUED 1,
 * PROCESSING 2 (worker), COMPLETED 3. Delayed: SCHEDULED 1, QUEUED 2, PROCESSING 3, outcome 4.
 * A retry after outcome version <i>v</i> = RETRY_SCHEDULED: QUEUED <i>v+1</i>, PROCESSING
 * <i>v+2</i>, next outcome <i>v+3</i>. Cancel, re-prioritise and replay take the next version too.
 *
 * <h2>Trade-offs</h2>
 * Outputs use the stream's wall-clock time ({@code currentSystemTimeMs}, the tick's timestamp) as
 * "now", never the JVM's own clock, so tests drive time. Jitter comes from the given random
 * generator, shared by all stream threads (so thread-safe), seeded in tests. The time indexes are
 * three stores rather than one so that a flood of one kind (a million purges) never delays
 * another (due tasks): each gets its own bound per tick.
 */
public final class SchedulerTopology {

    public static final String SUBMISSIONS_SOURCE = "submissions";
    public static final String RESULTS_SOURCE = "results";
    public static final String CONTROL_SOURCE = "control";
    public static final String ADMISSION = "admission";
    public static final String OUTCOME = "outcome";
    public static final String CONTROL = "control-commands";
    public static final String SCHEDULES_SOURCE = "schedules";
    public static final String SCHEDULE_RUNS_SOURCE = "schedule-runs";
    public static final String SCHEDULE_DEFINITIONS = "schedule-definitions";
    public static final String SCHEDULE_RUNS = "schedule-run-ends";

    private SchedulerTopology() {
    }

    /**
     * The topology.
     *
     * @param random the source of retry jitter, shared by every stream thread: must be thread-safe
     *               ({@link java.util.Random} is); seeded in tests
     * @param tracing the span of each record processed and of each dispatch ({@link Tracing#noop()}: none)
     */
    public static Topology build(Topics topics, SchedulerProperties properties, SchedulerMetrics metrics,
                                 SchemaValidator validator, RandomGenerator random, Tracing tracing) {
        Map<String, Priority> priorityByTopic = Arrays.stream(Priority.values())
                .collect(Collectors.toMap(topics::submit, Function.identity()));
        Backoff defaultBackoff = properties.backoff().toBackoff();
        SubmissionReader reader = new SubmissionReader(validator);
        TaskLifecycle.Rules rules = new TaskLifecycle.Rules(new Dispatcher(properties.dispatchGrace(), metrics, tracing),
                RetryPolicy.backoff(defaultBackoff, random), metrics, properties.dedupWindow(),
                new TaskLifecycle.Deferrals(properties.deferral().maxDelay(), properties.deferral().maxPerTask()),
                tracing);

        Topology topology = new Topology();
        topology.addSource(SUBMISSIONS_SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                topics.submitTopics().toArray(String[]::new));
        topology.addSource(RESULTS_SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                topics.results());
        topology.addSource(CONTROL_SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                topics.control());

        metrics.expectProcessors(List.of(ADMISSION, OUTCOME, CONTROL, SCHEDULE_DEFINITIONS, SCHEDULE_RUNS));
        topology.addProcessor(ADMISSION, () -> new AdmissionProcessor(priorityByTopic, reader, rules,
                properties.punctuateInterval(), properties.maxDuePerTick()), SUBMISSIONS_SOURCE);
        topology.addProcessor(OUTCOME, () -> new OutcomeProcessor(validator, rules), RESULTS_SOURCE);
        topology.addProcessor(CONTROL, () -> new ControlProcessor(validator, rules), CONTROL_SOURCE);
        for (StoreBuilder<?> store : TaskStore.builders()) {
            topology.addStateStore(store, ADMISSION, OUTCOME, CONTROL);
        }

        StringSerializer keys = new StringSerializer();
        topology.addSink(Outputs.EVENTS, topics.events(), keys, JsonSerde.of(TaskEvent.class).serializer(),
                ADMISSION, OUTCOME, CONTROL);
        topology.addSink(Outputs.DLQ, topics.dlq(), keys, JsonSerde.of(DeadLetter.class).serializer(),
                ADMISSION, OUTCOME, CONTROL);
        for (Priority priority : Priority.values()) {
            topology.addSink(Outputs.ready(priority), topics.ready(priority), keys,
                    JsonSerde.of(TaskDispatch.class).serializer(), ADMISSION, OUTCOME, CONTROL);
            topology.addSink(Outputs.resubmit(priority), topics.submit(priority), keys,
                    JsonSerde.of(TaskSubmission.class).serializer(), ADMISSION);
        }
        topology.addSink(Outputs.SCHEDULE_RUNS, topics.scheduleRuns(), keys,
                JsonSerde.internal(ScheduleRun.class).serializer(), ADMISSION, OUTCOME, CONTROL);
        addSchedules(topology, topics, properties, metrics, validator);
        return topology;
    }

    /** The schedules' own sub-topology (keyed by schedule, not by task: it shares no store with the above). */
    private static void addSchedules(Topology topology, Topics topics, SchedulerProperties properties,
                                     SchedulerMetrics metrics, SchemaValidator validator) {
        ScheduleRules rules = new ScheduleRules(properties.schedules().minInterval(),
                properties.schedules().misfireThreshold(), properties.schedules().lookahead(),
                properties.punctuateInterval(), properties.maxDuePerTick(),
                metrics, validator);
        topology.addSource(SCHEDULES_SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                topics.schedules());
        topology.addSource(SCHEDULE_RUNS_SOURCE, Serdes.String().deserializer(),
                JsonSerde.internal(ScheduleRun.class).deserializer(), topics.scheduleRuns());
        topology.addProcessor(SCHEDULE_DEFINITIONS, () -> new ScheduleDefinitionProcessor(rules), SCHEDULES_SOURCE);
        topology.addProcessor(SCHEDULE_RUNS, ScheduleRunProcessor::new, SCHEDULE_RUNS_SOURCE);
        for (StoreBuilder<?> store : ScheduleStore.builders()) {
            topology.addStateStore(store, SCHEDULE_DEFINITIONS, SCHEDULE_RUNS);
        }
        StringSerializer keys = new StringSerializer();
        topology.addSink(Outputs.SCHEDULE_DLQ, topics.dlq(), keys, JsonSerde.of(DeadLetter.class).serializer(),
                SCHEDULE_DEFINITIONS);
        for (Priority priority : Priority.values()) {
            topology.addSink(Outputs.fire(priority), topics.submit(priority), keys,
                    JsonSerde.of(TaskSubmission.class).serializer(), SCHEDULE_DEFINITIONS);
        }
    }
}
