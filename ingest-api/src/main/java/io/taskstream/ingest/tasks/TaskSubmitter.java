package io.taskstream.ingest.tasks;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.random.RandomGenerator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.ingest.tasks.IdempotencyKeys.Claim;
import io.taskstream.ingest.tasks.IdempotencyKeys.Entry;
import io.taskstream.ingest.tasks.IdempotencyKeys.Settlement;
import io.taskstream.ingest.tasks.TaskRepository.IdempotentTask;
import io.taskstream.ingest.tasks.TaskRepository.PendingRow;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.TaskIds;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * How tasks get accepted — a single {@code POST /tasks} and every task of a {@code POST /tasks:batch}
 * alike: a single submission is a batch of one. In order:
 * <ol>
 *   <li><b>Read</b>: each task gets an id (UUIDv7 from the clock) and {@code createdAt} and is read into
 *       a {@link TaskSubmission} of the caller's tenant ({@link SubmissionReader}: 400/413 on bad input;
 *       in a batch, that task alone fails).</li>
 *   <li><b>Encrypt</b>, for tasks with {@code "encrypt": true} ({@link TaskEncryption}): the payload is sealed
 *       under the task's tenant and id once it was validated, its size checked and its idempotency hash taken
 *       (all on the plaintext), so Kafka, Postgres, Redis and the in-memory views only ever see the envelope;
 *       no key ring is {@code 400}.</li>
 *   <li><b>Idempotency</b>, for tasks with an idempotency key (below): a key already used answers the
 *       original task ({@code 200}) for the same request, {@code 409 idempotency_conflict} for a
 *       different one, and nothing is produced. Two tasks of one batch with the same key: the second
 *       answers like a retry of the first.</li>
 *   <li><b>Admission</b> ({@link Admission}), once per new task: it may refuse it ({@code 503 queue_full}).</li>
 *   <li><b>Produce</b> all new tasks as one Kafka batch and wait for the {@code acks=all}
 *       acknowledgements ({@link SubmissionPublisher}: a task Kafka did not take is {@code 503}) — from
 *       here on a task is accepted ({@code 202}).</li>
 *   <li><b>Read-your-writes</b>: insert the accepted tasks' {@code PENDING} rows (version 0), with those
 *       of concurrent requests in one statement ({@link PendingRowWriter}), so that a {@code GET} right
 *       after the {@code 202} finds them; the projection takes a row over from version 1 on. If that insert
 *       fails or takes longer than {@code rowWait} (Postgres down), the tasks are still accepted —
 *       Kafka has them and the projection will create the rows — and their views are kept in
 *       {@link PendingViews} meanwhile; the failure is logged and counted
 *       ({@code taskstream.ingest.ryw.insert.failures}).</li>
 * </ol>
 *
 * <h2>Idempotency keys</h2>
 * The request hash is the SHA-256 of the canonical submission without what the server adds
 * ({@link #requestHash}). Keys are resolved in rounds, all keys of a round together:
 * <ul>
 *   <li><b>Redis, the fast path</b> ({@link IdempotencyKeys}): each key is reserved with a Lua
 *       {@code SET NX PX} holding (task id, {@code createdAt}, hash), all in one round trip. The
 *       <em>winner</em> of a key checks the Postgres backstop ({@code tasks.idempotency_key}, unique per
 *       tenant: what makes a key Redis lost or let expire still known), then produces, then marks the
 *       entry {@code accepted} (TTL {@code idempotency-ttl}), then writes the row; if producing failed it
 *       releases the reservation (compare-and-delete: only if it is still its own) so that a retry can
 *       succeed. A <em>loser</em> finds the entry: {@code accepted} answers 200 or 409 by the hash;
 *       {@code reserved} means the winner is still at work — the loser waits for it (polling, at most
 *       {@code keyWait}) and then answers the same way, or, if the winner released the key, tries to
 *       reserve it again. Still reserved after the wait: {@code 409 conflict}, "in progress" (as the IETF
 *       Idempotency-Key draft asks).</li>
 *   <li><b>Postgres, the fallback</b> when Redis does not answer: never fail open (that would produce
 *       duplicates); instead the keys are serialised on transaction-scoped advisory locks of
 *       hash(tenant, key), taken in lock-id order, held around backstop check + produce + row insert,
 *       so the next request with the key sees the row. Waiting for a lock is bounded by {@code keyWait}
 *       too ({@code lock_timeout}; then {@code 409 conflict}); a database that does not answer either is
 *       {@code 503}. Each fallback is counted ({@code taskstream.ingest.idempotency.fallbacks}).</li>
 * </ul>
 * The backstop check needs Postgres: when it does not answer, tasks with a key are {@code 503} (tasks
 * without one are still accepted). What is not covered: two requests with one key running at once on
 * either side of a Redis outage's start or end (one on Redis, one on the advisory lock), and Redis losing
 * a reservation while its winner is producing — each may produce the task twice (the row's unique index
 * keeps one of them as the key's task).
 */
public class TaskSubmitter {

    private static final Logger log = LoggerFactory.getLogger(TaskSubmitter.class);

    /** Canonical JSON (sorted keys) so that the same request always hashes the same. */
    private static final JsonMapper CANONICAL = Json.mapper().rebuild()
            .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
            .build();

    /** Postgres's SQLSTATE for a lock not obtained within {@code lock_timeout}. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    /** The first pause of a request waiting for another one with the same key; it doubles up to {@link #MAX_PAUSE}. */
    private static final Duration FIRST_PAUSE = Duration.ofMillis(5);
    private static final Duration MAX_PAUSE = Duration.ofMillis(50);

    private final SubmissionReader reader;
    private final SubmissionPublisher publisher;
    private final TaskRepository repository;
    private final PendingRowWriter rows;
    private final IdempotencyKeys keys;
    private final TransactionTemplate transactions;
    private final Admission admission;
    private final PendingViews pendingViews;
    private final Clock clock;
    private final RandomGenerator random;
    private final Duration keyWait;
    private final Duration rowWait;
    private final Duration retryAfter;
    private final Counter rywInsertFailures;
    private final Counter fallbacks;
    private final TaskEncryption encryption;

    /**
     * @param keyWait    how long a request waits for another one holding its idempotency key (in Redis or
     *                   as a Postgres advisory lock) before answering {@code 409 conflict}
     * @param rowWait    how long a request waits for its read-your-writes rows ({@link PendingRowWriter})
     *                   before it keeps them in {@link PendingViews} instead
     * @param retryAfter the {@code Retry-After} of a {@code 503} this class raises itself
     * @param encryption seals the payloads of tasks that ask for it ({@code "encrypt": true}) after the request
     *                   was read and hashed, before anything is produced, written or cached
     */
    public TaskSubmitter(SubmissionReader reader, SubmissionPublisher publisher, TaskRepository repository,
            PendingRowWriter rows, IdempotencyKeys keys, TransactionTemplate transactions, Admission admission,
            PendingViews pendingViews, Clock clock, RandomGenerator random, Duration keyWait, Duration rowWait,
            Duration retryAfter, MeterRegistry meters, TaskEncryption encryption) {
        this.encryption = encryption;
        this.reader = reader;
        this.publisher = publisher;
        this.repository = repository;
        this.rows = rows;
        this.keys = keys;
        this.transactions = transactions;
        this.admission = admission;
        this.pendingViews = pendingViews;
        this.clock = clock;
        this.random = random;
        this.keyWait = keyWait;
        this.rowWait = rowWait;
        this.retryAfter = retryAfter;
        this.rywInsertFailures = Counter.builder("taskstream.ingest.ryw.insert.failures")
                .description("Accepted tasks whose read-your-writes row could not be written")
                .register(meters);
        this.fallbacks = Counter.builder("taskstream.ingest.idempotency.fallbacks")
                .description("Submissions whose idempotency keys were serialised on Postgres because Redis "
                        + "did not answer")
                .register(meters);
    }

    /** What {@link #submit} did: {@code created} is false when an idempotent retry found the original task. */
    public record Submitted(TaskView task, boolean created) {
    }

    /** What became of one task of a request. */
    public sealed interface Outcome {

        /** The HTTP status that stands for it. */
        int status();

        /** Accepted now: {@code 202}. */
        record Created(TaskView task) implements Outcome {
            @Override
            public int status() {
                return 202;
            }
        }

        /** Its idempotency key names a task accepted earlier, for the same request: {@code 200}. */
        record Found(TaskView task) implements Outcome {
            @Override
            public int status() {
                return 200;
            }
        }

        /** Not accepted, for the reason {@code error} gives. */
        record Rejected(ApiException error) implements Outcome {
            @Override
            public int status() {
                return error.code().status().value();
            }
        }
    }

    /**
     * Submits one task ({@code POST /tasks}).
     *
     * @param idempotencyKeyHeader the {@code Idempotency-Key} header (equivalent to the field), or null
     * @throws ApiException why the task was not accepted
     */
    public Submitted submit(String tenantId, byte[] body, String idempotencyKeyHeader, TraceContext trace) {
        TaskSubmission submission = reader.read(body, tenantId, TaskIds.newId(clock, random), now(),
                idempotencyKeyHeader);
        Outcome[] results = new Outcome[1];
        process(new Request(tenantId, trace, results), List.of(Item.of(0, submission, encryption)));
        return switch (results[0]) {
            case Outcome.Created created -> new Submitted(created.task(), true);
            case Outcome.Found found -> new Submitted(found.task(), false);
            case Outcome.Rejected rejected -> throw rejected.error();
        };
    }

    /**
     * Submits a task the server built itself — a schedule's {@code POST /schedules/{id}:trigger} — the way
     * {@code POST /tasks} submits one from admission on: admission, produce and wait for Kafka's
     * acknowledgement, read-your-writes row. It is not read from a request ({@code scheduleId} is a field
     * requests may not set), so it must be complete: id, tenant and {@code createdAt} set by the caller,
     * from {@link #newTaskId()} and {@link #now()}. An idempotency key is not supported here.
     *
     * @return the view of the accepted task ({@code PENDING})
     * @throws ApiException why the task was not accepted ({@code 503 queue_full}, {@code dependency_unavailable})
     */
    public TaskView submit(TaskSubmission submission, TraceContext trace) {
        if (submission.id() == null || submission.createdAt() == null || submission.idempotencyKey() != null) {
            throw new IllegalArgumentException("a built submission needs an id and createdAt and no idempotency key");
        }
        Outcome[] results = new Outcome[1];
        process(new Request(submission.tenantId(), trace, results), List.of(Item.of(0, submission, encryption)));
        return switch (results[0]) {
            case Outcome.Created created -> created.task();
            case Outcome.Found found -> found.task();
            case Outcome.Rejected rejected -> throw rejected.error();
        };
    }

    /** A new task id: UUIDv7 from the clock. */
    public UUID newTaskId() {
        return TaskIds.newId(clock, random);
    }

    /**
     * Submits the tasks of a batch ({@code POST /tasks:batch}). One bad task never fails the others.
     *
     * @return one outcome per request, in order
     */
    public List<Outcome> submitAll(String tenantId, List<JsonNode> requests, TraceContext trace) {
        Instant now = now();
        Outcome[] results = new Outcome[requests.size()];
        List<Item> items = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            if (!(requests.get(i) instanceof ObjectNode request)) {
                results[i] = new Outcome.Rejected(ApiException.validation(List.of(
                        new Violation("", "a task must be a JSON object"))));
                continue;
            }
            try {
                TaskSubmission submission = reader.read(request, tenantId, TaskIds.newId(clock, random), now, null);
                items.add(Item.of(i, submission, encryption));
            } catch (ApiException e) {
                results[i] = new Outcome.Rejected(e);
            }
        }
        process(new Request(tenantId, trace, results), items);
        return List.of(results);
    }

    /** The time a task is accepted at, to the microsecond (what Postgres keeps). */
    public Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * A valid task of the request, at {@code index}: {@code submission} as it is sent and stored (its payload
     * encrypted when it asks for it), {@code plain} as it was read; {@code hash}, of {@code plain}, only when it
     * has an idempotency key.
     */
    private record Item(int index, TaskSubmission submission, TaskSubmission plain, byte[] hash) {

        /**
         * Only a task with a key is ever compared with another, so only its request is hashed — as read, so
         * that the same request sent again hashes the same although each encryption differs.
         *
         * @throws ApiException {@code 400} when it asks for encryption and this node has no key ring
         */
        static Item of(int index, TaskSubmission plain, TaskEncryption encryption) {
            byte[] hash = plain.idempotencyKey() == null ? null : requestHash(plain);
            return new Item(index, encryption.seal(plain), plain, hash);
        }

        String key() {
            return submission.idempotencyKey();
        }

        Entry reservation() {
            return Entry.reserved(submission.id(), submission.createdAt(), hash);
        }
    }

    /** One request being answered: its tenant, trace and the outcome of each of its tasks so far. */
    private record Request(String tenantId, TraceContext trace, Outcome[] results) {

        String traceId() {
            return trace == null ? null : trace.traceId();
        }

        void answer(Item item, Outcome outcome) {
            results[item.index()] = outcome;
        }

        void reject(Item item, ApiException error) {
            answer(item, new Outcome.Rejected(error));
        }

        boolean answered(Item item) {
            return results[item.index()] != null;
        }
    }

    /** An earlier task that holds an item's idempotency key; {@code requestHash} null when unknown. */
    private record Existing(Item item, UUID taskId, Instant createdAt, byte[] requestHash) {
    }

    private void process(Request request, List<Item> items) {
        List<Item> keyless = new ArrayList<>();
        Map<String, Item> firstOfKey = new LinkedHashMap<>();
        List<Item> repeats = new ArrayList<>();
        for (Item item : items) {
            if (item.key() == null) {
                keyless.add(item);
            } else if (firstOfKey.putIfAbsent(item.key(), item) != null) {
                repeats.add(item);
            }
        }
        if (firstOfKey.isEmpty()) {
            recordAccepted(request, admitAndProduce(request, keyless), false);
        } else {
            withKeys(request, List.copyOf(firstOfKey.values()), keyless);
        }
        for (Item repeat : repeats) {
            Item first = firstOfKey.get(repeat.key());
            request.answer(repeat, repeatOf(repeat, first, request.results()[first.index()]));
        }
    }

    /** The Redis path in rounds (see the class comment); {@code keyless} items go with the first round's winners. */
    private void withKeys(Request request, List<Item> keyed, List<Item> keyless) {
        long deadline = System.nanoTime() + keyWait.toNanos();
        List<Item> pending = keyed;
        List<Item> alongside = keyless;
        for (int round = 0; ; round++) {
            List<Entry> held;
            try {
                held = keys.reserve(request.tenantId(), pending.stream()
                        .map(item -> new Claim(item.key(), item.reservation())).toList());
            } catch (IdempotencyKeys.Unavailable e) {
                fallbacks.increment();
                log.warn("Redis did not answer; serialising {} idempotency key(s) of tenant {} on Postgres advisory "
                        + "locks: {}", pending.size(), request.tenantId(), e.getMessage());
                recordAccepted(request, admitAndProduce(request, alongside), false);
                withLocks(request, pending);
                return;
            }
            List<Item> won = new ArrayList<>();
            List<Item> waiting = new ArrayList<>();
            List<Existing> existing = new ArrayList<>();
            for (int i = 0; i < pending.size(); i++) {
                Item item = pending.get(i);
                Entry entry = held.get(i);
                if (entry == null) {
                    won.add(item);
                } else if (entry.state() == IdempotencyKeys.State.RESERVED) {
                    waiting.add(item);
                } else {
                    existing.add(new Existing(item, entry.taskId(), entry.createdAt(), entry.requestHash()));
                }
            }
            answerExisting(request, existing);
            acceptReserved(request, won, alongside);
            alongside = List.of();
            if (waiting.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline >= 0 || !pause(round)) {
                waiting.forEach(item -> request.reject(item, inProgress(item.key())));
                return;
            }
            pending = waiting;
        }
    }

    /** Winners of Redis reservations (and tasks without a key): backstop, produce, settle, record. */
    private void acceptReserved(Request request, List<Item> won, List<Item> keyless) {
        List<Settlement> settlements = new ArrayList<>();
        List<Item> fresh = new ArrayList<>(keyless);
        if (!won.isEmpty()) {
            try {
                List<Existing> existing = new ArrayList<>();
                fresh.addAll(backstop(request, won, existing));
                for (Existing e : existing) {
                    // Redis had lost the key (or let it expire): remember it again, unless its hash is unknown
                    settlements.add(new Settlement(e.item().key(), e.item().reservation(), e.requestHash() == null
                            ? null : new Entry(IdempotencyKeys.State.ACCEPTED, e.taskId(), e.createdAt(),
                                    e.requestHash())));
                }
                answerExisting(request, existing);
            } catch (DataAccessException e) {
                log.warn("the idempotency backstop of tenant {} did not answer: {}", request.tenantId(),
                        e.getMessage());
                for (Item item : won) {
                    request.reject(item, ApiException.dependencyUnavailable("the database is unavailable, so the "
                            + "idempotency key could not be checked; retry later", retryAfter, e));
                    settlements.add(new Settlement(item.key(), item.reservation(), null));
                }
            }
        }
        List<Item> acked = admitAndProduce(request, fresh);
        Set<Integer> acknowledged = new HashSet<>();
        acked.forEach(item -> acknowledged.add(item.index()));
        for (Item item : fresh) {
            if (item.key() != null) {
                settlements.add(new Settlement(item.key(), item.reservation(),
                        acknowledged.contains(item.index()) ? item.reservation().accepted() : null));
            }
        }
        keys.settle(request.tenantId(), settlements);
        recordAccepted(request, acked, false);
    }

    /** The Postgres fallback: advisory locks around backstop, produce and row insert, in one transaction. */
    private void withLocks(Request request, List<Item> keyed) {
        List<Existing> existing = new ArrayList<>();
        try {
            transactions.executeWithoutResult(status -> {
                repository.lockIdempotencyKeys(request.tenantId(), keyed.stream().map(Item::key).toList(), keyWait);
                List<Item> acked = admitAndProduce(request, backstop(request, keyed, existing));
                if (!recordAccepted(request, acked, true)) {
                    status.setRollbackOnly(); // the insert failed, which aborted the transaction
                }
            });
        } catch (DataAccessException | TransactionException e) {
            boolean lockTimeout = isLockTimeout(e);
            if (!lockTimeout) {
                log.warn("idempotency keys of tenant {} could not be serialised on Postgres either: {}",
                        request.tenantId(), e.getMessage());
            }
            for (Item item : keyed) {
                if (!request.answered(item) && existing.stream().noneMatch(x -> x.item() == item)) {
                    request.reject(item, lockTimeout ? inProgress(item.key())
                            : ApiException.dependencyUnavailable("neither Redis nor the database is available to "
                                    + "check the idempotency key; retry later", retryAfter, e));
                }
            }
        }
        answerExisting(request, existing);
    }

    /** Splits {@code items} into those whose key Postgres knows ({@code existing}) and the new ones (returned). */
    private List<Item> backstop(Request request, List<Item> items, List<Existing> existing) {
        Map<String, IdempotentTask> known = repository.findByIdempotencyKeys(request.tenantId(),
                items.stream().map(Item::key).toList());
        List<Item> fresh = new ArrayList<>(items.size());
        for (Item item : items) {
            IdempotentTask task = known.get(item.key());
            if (task == null) {
                fresh.add(item);
            } else {
                existing.add(new Existing(item, task.id(), task.createdAt(), task.requestHash()));
            }
        }
        return fresh;
    }

    /** Admission, then one Kafka batch; returns the items Kafka acknowledged, the others are answered. */
    private List<Item> admitAndProduce(Request request, List<Item> items) {
        List<Item> admitted = new ArrayList<>(items.size());
        for (Item item : items) {
            try {
                admission.admit(request.tenantId(), item.submission().priority());
                admitted.add(item);
            } catch (ApiException e) {
                request.reject(item, e);
            }
        }
        List<ApiException> failures = publisher.publishAll(admitted.stream().map(Item::submission).toList(),
                request.trace());
        List<Item> acked = new ArrayList<>(admitted.size());
        for (int i = 0; i < admitted.size(); i++) {
            if (failures.get(i) == null) {
                acked.add(admitted.get(i));
            } else {
                request.reject(admitted.get(i), failures.get(i));
            }
        }
        return acked;
    }

    /**
     * Answers accepted tasks {@code 202} and writes their {@code PENDING} rows — together with other
     * requests' ({@link PendingRowWriter}), or {@code inTransaction} in the caller's transaction (which
     * holds advisory locks until they are written); returns false when the rows could not be written
     * (their views are then kept in {@link PendingViews}).
     */
    private boolean recordAccepted(Request request, List<Item> acked, boolean inTransaction) {
        if (acked.isEmpty()) {
            return true;
        }
        for (Item item : acked) {
            request.answer(item, new Outcome.Created(TaskView.pending(item.submission(), request.traceId())));
        }
        try {
            List<PendingRow> pending = acked.stream()
                    .map(item -> new PendingRow(item.submission(), item.hash(), request.traceId())).toList();
            Set<UUID> present = inTransaction ? repository.insertPending(pending) : rows.insert(pending, rowWait);
            for (Item item : acked) {
                if (!present.contains(item.submission().id())) {
                    // only when two requests with one key both reached Kafka (see the class comment)
                    log.warn("task {} is accepted but another task of tenant {} holds its idempotency key '{}'",
                            item.submission().id(), request.tenantId(), item.key());
                    pendingViews.remember(item.submission(), request.traceId());
                }
            }
            return true;
        } catch (DataAccessException e) {
            rywInsertFailures.increment(acked.size());
            log.warn("{} task(s) accepted but their read-your-writes rows could not be written (kept in memory "
                    + "until the projection writes them): {}", acked.size(), e.getMessage());
            acked.forEach(item -> pendingViews.remember(item.submission(), request.traceId()));
            return false;
        }
    }

    /** Answers items whose key an earlier task holds: {@code 200} with it for the same request, else {@code 409}. */
    private void answerExisting(Request request, List<Existing> existing) {
        List<Existing> same = new ArrayList<>(existing.size());
        for (Existing e : existing) {
            if (e.requestHash() != null && !MessageDigest.isEqual(e.requestHash(), e.item().hash())) {
                request.reject(e.item(), differentRequest(e.item().key(), "task " + e.taskId()));
            } else {
                same.add(e);
            }
        }
        if (same.isEmpty()) {
            return;
        }
        Map<UUID, TaskView> rows;
        try {
            rows = repository.findAll(request.tenantId(), same.stream().map(Existing::taskId).toList());
        } catch (DataAccessException e) {
            rows = Map.of();
        }
        for (Existing e : same) {
            TaskView view = rows.get(e.taskId());
            if (view == null) {
                view = pendingViews.find(request.tenantId(), e.taskId(), false).orElse(null);
            }
            if (view == null) {
                // accepted, but its row is not written yet: the same request, so the same view under its id and time
                // (sealed again: an encrypted payload is bound to its task's id)
                TaskSubmission original = encryption.seal(
                        e.item().plain().withId(e.taskId()).withCreatedAt(e.createdAt()));
                pendingViews.remember(original, null);
                view = TaskView.pending(original, null);
            }
            request.answer(e.item(), new Outcome.Found(view));
        }
    }

    /** A second task of one batch with a key: a retry of the first. */
    private static Outcome repeatOf(Item repeat, Item first, Outcome firstOutcome) {
        if (!MessageDigest.isEqual(repeat.hash(), first.hash())) {
            String holder = switch (firstOutcome) {
                case Outcome.Created created -> "task " + created.task().id();
                case Outcome.Found found -> "task " + found.task().id();
                case Outcome.Rejected rejected -> "task #" + first.index() + " of this batch";
            };
            return new Outcome.Rejected(differentRequest(repeat.key(), holder));
        }
        return switch (firstOutcome) {
            case Outcome.Created created -> new Outcome.Found(created.task());
            case Outcome.Found found -> found;
            case Outcome.Rejected rejected -> rejected;
        };
    }

    private static ApiException differentRequest(String idempotencyKey, String holder) {
        return new ApiException(ErrorCode.IDEMPOTENCY_CONFLICT, "the idempotency key '" + idempotencyKey
                + "' was used for a different request (" + holder + ")");
    }

    private static ApiException inProgress(String idempotencyKey) {
        return ApiException.conflict("a request with the idempotency key '" + idempotencyKey
                + "' is still in progress; retry once it is answered");
    }

    /** Waits before the next round of a request waiting for another; false when interrupted. */
    private static boolean pause(int round) {
        long millis = Math.min(MAX_PAUSE.toMillis(), FIRST_PAUSE.toMillis() << Math.min(round, 10));
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean isLockTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && LOCK_NOT_AVAILABLE.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * SHA-256 of the request as the submission states it, without what the server adds ({@code id},
     * {@code createdAt}): equal for the same request sent again, whatever its key order.
     */
    static byte[] requestHash(TaskSubmission submission) {
        byte[] canonical = CANONICAL.writeValueAsBytes(
                CANONICAL.valueToTree(submission.withId(null).withCreatedAt(null)));
        try {
            return MessageDigest.getInstance("SHA-256").digest(canonical);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
