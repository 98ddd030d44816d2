package io.taskstream.ingest.schedules;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.http.KeysetCursor;
import io.taskstream.ingest.http.Page;
import io.taskstream.ingest.tasks.TaskSubmitter;
import io.taskstream.ingest.tasks.TaskView;
import io.taskstream.ingest.tasks.TraceContext;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.ScheduleDefinition.TaskTemplate;
import io.taskstream.schemas.TaskIds;
import io.taskstream.schemas.TaskSubmission;
import tools.jackson.databind.node.ObjectNode;

/**
 * Cron schedules, the API's side (issue #6): what {@code /api/v1/schedules} does. The scheduler fires them;
 * here they are defined, listed, changed, deleted and triggered by hand.
 *
 * <h2>Where a schedule lives</h2>
 * Twice: in Postgres ({@code schedules}), which answers every read, and on the compacted {@code schedules}
 * topic, keyed {@code <tenantId>/<scheduleId>} with the whole {@link ScheduleDefinition} as value (a
 * tombstone once deleted), which is what the scheduler reads. Every write keeps the two in step in one order:
 * <ol>
 *   <li>change the row in a Postgres transaction (the row stays locked, so writes of one schedule queue
 *       up here and reach the topic in the order they commit);</li>
 *   <li>produce the record and wait for Kafka's {@code acks=all} acknowledgement
 *       ({@link SchedulePublisher});</li>
 *   <li>commit, then answer.</li>
 * </ol>
 * Kafka down or slow: the transaction rolls back and the answer is {@code 503}, as for a task. Because a
 * record that timed out may still land, and a commit may fail after Kafka took the record, a failure after
 * the record was sent <em>restores</em> the topic: the API re-reads what Postgres now holds (or, if Postgres
 * cannot answer, takes what the schedule was before) and produces that behind the failed record, without
 * waiting. A commit whose outcome is unknown to Postgres' own client can still leave the two apart; writing
 * the schedule again settles it.
 *
 * <h2>Concurrency</h2>
 * {@code PUT} and {@code PATCH} are optimistic: they read the row with its {@code version} and update it only
 * at that version (counting it up), so a {@code PATCH} that switches {@code enabled} never writes back an
 * older cron that a concurrent {@code PUT} replaced. A request that loses the race reads again and retries,
 * {@value #ATTEMPTS} times in all, then answers {@code 409 conflict}. Names are unique per tenant (a unique
 * index): a taken name is {@code 409 conflict}.
 *
 * <h2>Last run</h2>
 * {@code lastRunAt} / {@code lastTaskId} are the schedule's newest task (by {@code createdAt}: when it was
 * fired or triggered) in {@code tasks}, which the scheduler's fires reach through the projection and a
 * trigger through its read-your-writes row — nothing else has to record them ({@link ScheduleRepository}).
 *
 * <h2>Trigger</h2>
 * {@code POST /schedules/{id}:trigger} submits one task from the template now, with {@code scheduleId} set,
 * through {@link TaskSubmitter} — the path of {@code POST /tasks}: admission, Kafka, read-your-writes row. It
 * works for a disabled schedule too and ignores the overlap guard (a person asked for it). Each is a new task.
 *
 * <p>Every write is audited by the API's audit filter ({@code io.taskstream.ingest.audit}: {@code schedule.create},
 * {@code .update}, {@code .set_enabled}, {@code .delete}, {@code .trigger}), with the schedule's name and
 * {@code enabled} as detail, which {@link ScheduleController} adds.
 */
public class Schedules {

    private static final Logger log = LoggerFactory.getLogger(Schedules.class);

    /** How often a {@code PUT} or {@code PATCH} tries before it answers {@code 409}. */
    static final int ATTEMPTS = 3;

    private final ScheduleRepository repository;
    private final SchedulePublisher publisher;
    private final ScheduleReader reader;
    private final CronPreviews previews;
    private final TaskSubmitter submitter;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final RandomGenerator random;
    private final Duration retryAfter;

    Schedules(ScheduleRepository repository, SchedulePublisher publisher, ScheduleReader reader, CronPreviews previews,
            TaskSubmitter submitter, TransactionTemplate transactions, Clock clock,
            RandomGenerator random, Duration retryAfter) {
        this.repository = repository;
        this.publisher = publisher;
        this.reader = reader;
        this.previews = previews;
        this.submitter = submitter;
        this.transactions = transactions;
        this.clock = clock;
        this.random = random;
        this.retryAfter = retryAfter;
    }

    /** What a trigger did: the schedule, showing the new task as its last run, and that task's id. */
    public record Triggered(ScheduleView schedule, UUID taskId) {
    }

    /** {@code POST /schedules}: a new schedule of the caller's tenant. */
    public ScheduleView create(ApiPrincipal principal, ObjectNode body, String traceparent) {
        Instant now = now();
        ScheduleDefinition d = reader.read(body, principal.tenantId(), TaskIds.newId(clock, random), now);
        try {
            write(d.tenantId(), d.scheduleId(), d.key(), () -> {
                repository.insert(d, now);
                return true;
            }, d, () -> null, traceparent);
        } catch (DuplicateKeyException e) {
            throw nameTaken(d.tenantId(), d.name());
        }
        return view(new Schedule(d, 0, now, null, null), now);
    }

    /** {@code PUT /schedules/{id}}: replaces the whole definition. */
    public ScheduleView replace(ApiPrincipal principal, UUID id, ObjectNode body, String traceparent) {
        Instant now = now();
        ScheduleDefinition d = reader.read(body, principal.tenantId(), id, now);
        return view(change(principal, id, current -> d, traceparent), now);
    }

    /** {@code PATCH /schedules/{id}}: switches the schedule on or off. */
    public ScheduleView setEnabled(ApiPrincipal principal, UUID id, boolean enabled, String traceparent) {
        Instant now = now();
        Schedule changed = change(principal, id, current -> {
            ScheduleDefinition c = current.definition();
            return new ScheduleDefinition(c.scheduleId(), c.tenantId(), c.name(), c.cron(), c.timezone(), c.task(),
                    enabled, c.misfirePolicy(), c.overlap(), now);
        }, traceparent);
        return view(changed, now);
    }

    /** {@code DELETE /schedules/{id}}: the row goes, a tombstone goes to the topic. Returns what was deleted. */
    public ScheduleDefinition delete(ApiPrincipal principal, UUID id, String traceparent) {
        String tenantId = principal.tenantId();
        Instant now = now();
        ScheduleDefinition[] deleted = new ScheduleDefinition[1];
        write(tenantId, id, ScheduleDefinition.key(tenantId, id), () -> {
            deleted[0] = repository.delete(tenantId, id).orElseThrow(() -> notFound(id));
            return true;
        }, null, () -> deleted[0], traceparent);
        return deleted[0];
    }

    /** {@code GET /schedules}: one page of the tenant's schedules, newest first. */
    public Page<ScheduleView> list(String tenantId, int limit, KeysetCursor after) {
        Instant now = clock.instant();
        List<ScheduleView> views = repository.page(tenantId, limit, after).stream().map(s -> view(s, now)).toList();
        return Page.ofKeyset(views, limit, v -> new KeysetCursor(v.createdAt(), v.id()), listScope(tenantId));
    }

    /** What a cursor of the tenant's listing is bound to (see {@link KeysetCursor}). */
    static String listScope(String tenantId) {
        return "schedules|" + tenantId;
    }

    /** {@code GET /schedules/{id}}: the schedule with its fire times after {@code from} (null: now). */
    public ScheduleView get(String tenantId, UUID id, Instant from) {
        Schedule schedule = repository.find(tenantId, id).orElseThrow(() -> notFound(id));
        return view(schedule, from == null ? clock.instant() : from);
    }

    /** {@code POST /schedules/{id}:trigger}: one task from the template, now. */
    public Triggered trigger(ApiPrincipal principal, UUID id, TraceContext trace) {
        String tenantId = principal.tenantId();
        Schedule schedule = repository.find(tenantId, id).orElseThrow(() -> notFound(id));
        TaskTemplate t = schedule.definition().task();
        TaskSubmission submission = new TaskSubmission(submitter.newTaskId(), tenantId, t.type(), t.payload(),
                t.priority(), null, null, t.maxAttempts(), t.timeout(), t.backoff(), null, null, t.labels(), false,
                id, submitter.now());
        TaskView task = submitter.submit(submission, trace);
        return new Triggered(view(schedule, clock.instant()).withLastRun(task.id(), task.createdAt()), task.id());
    }

    /** A read-modify-write at the row's version, retried when another write came between (see the class comment). */
    private Schedule change(ApiPrincipal principal, UUID id, Function<Schedule, ScheduleDefinition> next,
            String traceparent) {
        String tenantId = principal.tenantId();
        for (int attempt = 1; ; attempt++) {
            Schedule current = repository.find(tenantId, id).orElseThrow(() -> notFound(id));
            ScheduleDefinition d = next.apply(current);
            boolean written;
            try {
                written = write(tenantId, id, d.key(), () -> {
                    return repository.update(d, current.version());
                }, d, current::definition, traceparent);
            } catch (DuplicateKeyException e) {
                throw nameTaken(tenantId, d.name());
            }
            if (written) {
                return new Schedule(d, current.version() + 1, current.createdAt(), current.lastTaskId(),
                        current.lastRunAt());
            }
            if (attempt >= ATTEMPTS) {
                throw ApiException.conflict("schedule " + id + " kept changing while this request tried to write it; "
                        + "retry");
            }
        }
    }

    /**
     * One write in the order of the class comment: in a transaction, {@code change} (false: the row was not at
     * the expected version, nothing written), then {@code record} (null: a tombstone) on the topic, then the
     * commit. Returns whether it was written.
     *
     * @param previous what the schedule was before, restored on the topic if Postgres cannot say what it is
     */
    private boolean write(String tenantId, UUID id, String key, BooleanSupplier change, ScheduleDefinition record,
            Supplier<ScheduleDefinition> previous, String traceparent) {
        boolean[] sent = {false};
        try {
            Boolean written = transactions.execute(status -> {
                if (!change.getAsBoolean()) {
                    return false;
                }
                sent[0] = true; // before sending: a send that fails may still have reached Kafka
                if (record == null) {
                    publisher.publishDeletion(key, traceparent);
                } else {
                    publisher.publish(record, traceparent);
                }
                return true;
            });
            return Boolean.TRUE.equals(written);
        } catch (ApiException e) {
            if (sent[0]) {
                restore(tenantId, id, key, previous.get());
            }
            throw e;
        } catch (DataAccessException | TransactionException e) {
            if (!sent[0]) {
                throw e;
            }
            log.warn("schedule {} was sent to Kafka but Postgres did not commit it: {}", key, e.getMessage());
            restore(tenantId, id, key, previous.get());
            throw ApiException.dependencyUnavailable("the database did not confirm the change, so it was undone; "
                    + "retry later", retryAfter, e);
        }
    }

    /** Puts the topic back to what Postgres holds — or, if it cannot be read, to {@code previous}. */
    private void restore(String tenantId, UUID id, String key, ScheduleDefinition previous) {
        ScheduleDefinition truth;
        try {
            truth = repository.find(tenantId, id).map(Schedule::definition).orElse(null);
        } catch (DataAccessException e) {
            truth = previous;
        }
        publisher.restore(key, truth);
    }

    private ScheduleView view(Schedule schedule, Instant from) {
        ScheduleDefinition d = schedule.definition();
        return ScheduleView.of(schedule, previews.of(d.cron(), d.timezone()).orElse(null), from);
    }

    /** Now, to the microsecond: what Postgres keeps, so a write's answer equals a later read. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private ApiException nameTaken(String tenantId, String name) {
        String holder;
        try {
            holder = repository.idOfName(tenantId, name).map(id -> " (schedule " + id + ")").orElse("");
        } catch (DataAccessException e) {
            holder = "";
        }
        return ApiException.conflict("a schedule named '" + name + "' exists already" + holder
                + "; names are unique per tenant");
    }

    static ApiException notFound(UUID id) {
        return ApiException.notFound("no schedule " + id);
    }
}
