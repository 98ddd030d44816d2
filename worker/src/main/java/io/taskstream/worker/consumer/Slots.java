package io.taskstream.worker.consumer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Predicate;

import io.taskstream.schemas.Priority;

/**
 * The worker's execution slots: at most {@code slots} items run at once, each on a thread of its
 * own (a virtual thread in the worker). Which waiting item gets a free slot:
 * <ol>
 *   <li>Items sharing a key (a task's ordering key, else its id) run one at a time, in the order
 *       they were submitted: the next one waits until the one before it has finished.</li>
 *   <li>Of the items free to run, the most important priority goes first ({@code CRITICAL}, then
 *       {@code HIGH}, {@code NORMAL}, {@code LOW}), except that a less important priority whose
 *       share of the last {@value #WINDOW} starts is below its minimum share goes first, so a steady
 *       stream of important work never starves the rest. If several are below their share, the most
 *       important of them goes.</li>
 *   <li>Within a priority, first in, first out.</li>
 * </ol>
 * Thread-safe: items are submitted by the poll thread and finish on their own threads.
 *
 * @param <T> what is run (the worker's dispatches)
 */
final class Slots<T> {

    /** How many of the most recent starts the minimum shares are measured over. */
    static final int WINDOW = 100;

    private final int slots;
    private final EnumMap<Priority, Double> minimumShare;
    private final Executor threads;
    private final Consumer<T> runner;
    private final Consumer<T> rejected;

    private final EnumMap<Priority, ArrayDeque<Job<T>>> ready = new EnumMap<>(Priority.class);
    /** A key is present while an item of it waits in {@link #ready} or runs; its value: the items behind it. */
    private final Map<String, ArrayDeque<Job<T>>> keys = new HashMap<>();
    private final Priority[] recent = new Priority[WINDOW];
    private final EnumMap<Priority, Integer> recentStarts = new EnumMap<>(Priority.class);
    private int recentNext;
    private int running;

    /**
     * @param minimumShare per priority, the least fraction of starts it gets while it has waiting
     *                     items (absent: none); together less than 1
     * @param threads      runs each item on a thread of its own
     * @param runner       runs one item, on the thread {@code threads} gives it
     * @param rejected     told of an item {@code threads} refused (it is shutting down); not run
     */
    Slots(int slots, Map<Priority, Double> minimumShare, Executor threads, Consumer<T> runner, Consumer<T> rejected) {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be at least 1");
        }
        this.slots = slots;
        this.minimumShare = minimumShare.isEmpty() ? new EnumMap<>(Priority.class) : new EnumMap<>(minimumShare);
        double total = this.minimumShare.values().stream().mapToDouble(Double::doubleValue).sum();
        if (total >= 1 || this.minimumShare.values().stream().anyMatch(share -> share < 0)) {
            throw new IllegalArgumentException("minimum shares must not be negative and must add up to less than 1: "
                    + minimumShare);
        }
        this.threads = Objects.requireNonNull(threads, "threads");
        this.runner = Objects.requireNonNull(runner, "runner");
        this.rejected = Objects.requireNonNull(rejected, "rejected");
        for (Priority priority : Priority.values()) {
            ready.put(priority, new ArrayDeque<>());
            recentStarts.put(priority, 0);
        }
    }

    /** Queues {@code item}; it runs when a slot is free and no earlier item of {@code key} is unfinished. */
    void submit(T item, Priority priority, String key) {
        List<Job<T>> refused;
        synchronized (this) {
            Job<T> job = new Job<>(item, priority, key);
            ArrayDeque<Job<T>> behind = keys.get(key);
            if (behind != null) {
                behind.add(job);
                return;
            }
            keys.put(key, new ArrayDeque<>());
            ready.get(priority).add(job);
            refused = fill();
        }
        refuse(refused);
    }

    /**
     * Takes every waiting (not yet running) item that matches out of the queues, and answers them:
     * they will not run. Items of the same keys queued behind them move up.
     */
    List<T> removeWaiting(Predicate<? super T> matching) {
        List<T> removed = new ArrayList<>();
        List<Job<T>> refused;
        synchronized (this) {
            for (ArrayDeque<Job<T>> behind : keys.values()) {
                behind.removeIf(job -> matching.test(job.item()) && removed.add(job.item()));
            }
            List<Job<T>> gone = new ArrayList<>();
            do { // a removed item's key moves the next of that key up, which may match too
                gone.clear();
                for (ArrayDeque<Job<T>> queue : ready.values()) {
                    queue.removeIf(job -> matching.test(job.item()) && gone.add(job));
                }
                gone.forEach(job -> {
                    removed.add(job.item());
                    releaseKey(job);
                });
            } while (!gone.isEmpty());
            refused = fill();
        }
        refuse(refused);
        return removed;
    }

    /** Items running now. */
    synchronized int busy() {
        return running;
    }

    /** Items submitted and not yet started. */
    synchronized int waiting() {
        int n = 0;
        for (ArrayDeque<Job<T>> queue : ready.values()) {
            n += queue.size();
        }
        for (ArrayDeque<Job<T>> behind : keys.values()) {
            n += behind.size();
        }
        return n;
    }

    /** Starts waiting items while slots are free; answers those the executor refused. */
    private List<Job<T>> fill() {
        List<Job<T>> refused = List.of();
        while (running < slots) {
            Priority next = next();
            if (next == null) {
                break;
            }
            Job<T> job = ready.get(next).poll();
            running++;
            started(next);
            try {
                threads.execute(() -> run(job));
            } catch (RejectedExecutionException e) {
                running--;
                releaseKey(job);
                if (refused.isEmpty()) {
                    refused = new ArrayList<>();
                }
                refused.add(job);
            }
        }
        return refused;
    }

    private void refuse(List<Job<T>> refused) {
        refused.forEach(job -> rejected.accept(job.item()));
    }

    private void run(Job<T> job) {
        try {
            runner.accept(job.item());
        } finally {
            List<Job<T>> refused;
            synchronized (this) {
                running--;
                releaseKey(job);
                refused = fill();
            }
            refuse(refused);
        }
    }

    /** {@code job} finished or left: the next item of its key (if any) may run, ahead of its priority's queue. */
    private void releaseKey(Job<T> job) {
        ArrayDeque<Job<T>> behind = keys.get(job.key());
        Job<T> next = behind == null ? null : behind.poll();
        if (next == null) {
            keys.remove(job.key());
        } else {
            ready.get(next.priority()).addFirst(next);
        }
    }

    /** The priority whose first waiting item runs next, or null if nothing waits. */
    private Priority next() {
        Priority highest = null;
        for (Priority priority : Priority.values()) { // most important first
            if (!ready.get(priority).isEmpty()) {
                if (highest == null) {
                    highest = priority;
                } else if (recentStarts.get(priority) < minimumShare.getOrDefault(priority, 0.0) * WINDOW) {
                    return priority; // below its share while more important work waits
                }
            }
        }
        return highest;
    }

    private void started(Priority priority) {
        Priority dropped = recent[recentNext];
        if (dropped != null) {
            recentStarts.merge(dropped, -1, Integer::sum);
        }
        recent[recentNext] = priority;
        recentStarts.merge(priority, 1, Integer::sum);
        recentNext = (recentNext + 1) % WINDOW;
    }

    /** An item, its priority and key, as queued. */
    private record Job<T>(T item, Priority priority, String key) {
    }
}
