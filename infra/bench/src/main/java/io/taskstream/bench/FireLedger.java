package io.taskstream.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.HdrHistogram.Histogram;

/**
 * What the {@code schedules} scenario saw of its schedules' fires, and the figures it makes of them.
 * A <em>fire</em> is a submission a schedule's fire time produced ({@code submit.<priority>}, its
 * {@code runAt} the fire time); its task is then queued ({@code QUEUED} on {@code events}) and
 * completed. Three latenesses, each measured from the fire time and taken from record timestamps:
 * <ul>
 *   <li><b>fire lateness</b>: the submission's timestamp (the moment the scheduler fired) − the fire time;</li>
 *   <li><b>queue lateness</b>: the first {@code QUEUED} event's timestamp − the fire time;</li>
 *   <li><b>completion lateness</b>: the {@code COMPLETED} event's timestamp − the fire time.</li>
 * </ul>
 * Duplicates are counted, never merged: the same task id fired again, and a second task for a
 * (schedule, fire time) that already has one. A task queued more than once is counted apart (a retry
 * or a second dispatch). Events may arrive before their fire (the topics are read side by side): they
 * are joined by task id when the figures are made.
 *
 * <p>Owned by the thread that reads the topics; not thread-safe.
 */
final class FireLedger {

    /** One fire: the first submission seen of a task id. */
    record Fire(UUID taskId, UUID scheduleId, Instant fireTime, Instant firedAt) {
    }

    private record FireKey(UUID scheduleId, Instant fireTime) {
    }

    /**
     * The figures of one fire time (or of several, merged).
     *
     * @param fireTime      the fire time (the first one, when merged)
     * @param fireTimes     how many fire times these figures cover
     * @param expected      fires expected: one per schedule and fire time
     * @param fired         distinct fires seen (duplicates not counted)
     * @param queued        of those, how many were queued
     * @param completed     of those, how many completed
     * @param sameTaskAgain submissions of a task id already fired
     * @param secondTask    tasks fired for a (schedule, fire time) that already had one
     * @param queuedAgain   {@code QUEUED} events after a task's first
     * @param early         fires, queue or completion events timestamped before the fire time (recorded as 0)
     * @param fireLateness        microseconds from the fire time to the fire
     * @param queueLateness       microseconds from the fire time to the first {@code QUEUED}
     * @param completionLateness  microseconds from the fire time to {@code COMPLETED}
     */
    record Figures(Instant fireTime, int fireTimes, long expected, long fired, long queued, long completed,
                   long sameTaskAgain, long secondTask, long queuedAgain, long early, Histogram fireLateness,
                   Histogram queueLateness, Histogram completionLateness) {

        /** Duplicate fires: the same task id again, or a second task for one fire. */
        long duplicates() {
            return sameTaskAgain + secondTask;
        }

        static Figures merge(List<Figures> all) {
            Histogram fire = histogram();
            Histogram queue = histogram();
            Histogram completion = histogram();
            long expected = 0;
            long fired = 0;
            long queued = 0;
            long completed = 0;
            long sameTaskAgain = 0;
            long secondTask = 0;
            long queuedAgain = 0;
            long early = 0;
            for (Figures f : all) {
                fire.add(f.fireLateness);
                queue.add(f.queueLateness);
                completion.add(f.completionLateness);
                expected += f.expected;
                fired += f.fired;
                queued += f.queued;
                completed += f.completed;
                sameTaskAgain += f.sameTaskAgain;
                secondTask += f.secondTask;
                queuedAgain += f.queuedAgain;
                early += f.early;
            }
            return new Figures(all.isEmpty() ? null : all.getFirst().fireTime, all.size(), expected, fired, queued,
                    completed, sameTaskAgain, secondTask, queuedAgain, early, fire, queue, completion);
        }
    }

    /**
     * The figures of a run.
     *
     * @param warmUp    the first fire time, not measured
     * @param measured  each measured fire time, oldest first
     * @param overall   the measured fire times together
     * @param outside   fires seen for other fire times than these (e.g. the one after the window)
     * @param deadLetters records of the run on {@code dlq} (a definition the scheduler refused, a task that failed)
     */
    record Summary(Figures warmUp, List<Figures> measured, Figures overall, long outside, long deadLetters) {
    }

    private final Map<UUID, Fire> fires = new HashMap<>();
    private final Map<FireKey, UUID> taskOfFire = new HashMap<>();
    private final Map<Instant, Long> sameTaskAgain = new HashMap<>();
    private final Map<Instant, Long> secondTask = new HashMap<>();
    private final Map<UUID, Instant> queued = new HashMap<>();
    private final Map<UUID, Long> queuedAgain = new HashMap<>();
    private final Map<UUID, Instant> completed = new HashMap<>();
    private long deadLetters;

    /** A submission of one of the run's schedules, timestamped {@code firedAt}, due at {@code fireTime}. */
    void fired(UUID taskId, UUID scheduleId, Instant fireTime, Instant firedAt) {
        Fire previous = fires.get(taskId);
        if (previous != null) {
            sameTaskAgain.merge(previous.fireTime(), 1L, Long::sum);
            return;
        }
        UUID other = taskOfFire.putIfAbsent(new FireKey(scheduleId, fireTime), taskId);
        if (other != null) {
            secondTask.merge(fireTime, 1L, Long::sum);
            return;
        }
        fires.put(taskId, new Fire(taskId, scheduleId, fireTime, firedAt));
    }

    /** A {@code QUEUED} event of one of the run's tasks, timestamped {@code at}. */
    void queued(UUID taskId, Instant at) {
        if (queued.putIfAbsent(taskId, at) != null) {
            queuedAgain.merge(taskId, 1L, Long::sum);
        }
    }

    /** A {@code COMPLETED} event of one of the run's tasks, timestamped {@code at}. */
    void completed(UUID taskId, Instant at) {
        completed.putIfAbsent(taskId, at);
    }

    /** A record of the run on {@code dlq}. */
    void deadLetter() {
        deadLetters++;
    }

    /** Distinct fires seen so far for {@code fireTime}. */
    long firedFor(Instant fireTime) {
        return fires.values().stream().filter(f -> f.fireTime().equals(fireTime)).count();
    }

    /**
     * How much of the window is still to come: for each fire time, the fires missing of
     * {@code perFireTime}, and the queue and completion events missing of those fired. 0 when all is in.
     */
    long outstanding(FireWindow window, int perFireTime) {
        Map<Instant, Long> seen = new HashMap<>();
        long missingEvents = 0;
        for (Fire fire : fires.values()) {
            if (window.isMeasured(fire.fireTime())) {
                seen.merge(fire.fireTime(), 1L, Long::sum);
                missingEvents += (queued.containsKey(fire.taskId()) ? 0 : 1)
                        + (completed.containsKey(fire.taskId()) ? 0 : 1);
            }
        }
        long missingFires = 0;
        for (Instant fireTime : window.measured()) {
            missingFires += Math.max(0, perFireTime - seen.getOrDefault(fireTime, 0L));
        }
        return missingFires + missingEvents;
    }

    /** The figures of the window, {@code perFireTime} fires expected at each of its fire times. */
    Summary summary(FireWindow window, int perFireTime) {
        Map<Instant, List<Fire>> byFireTime = new HashMap<>();
        long outside = 0;
        for (Fire fire : fires.values()) {
            if (fire.fireTime().equals(window.warmUp()) || window.isMeasured(fire.fireTime())) {
                byFireTime.computeIfAbsent(fire.fireTime(), t -> new ArrayList<>()).add(fire);
            } else {
                outside++;
            }
        }
        List<Figures> measured = window.measured().stream()
                .map(t -> figures(t, byFireTime.getOrDefault(t, List.of()), perFireTime)).toList();
        Figures warmUp = figures(window.warmUp(), byFireTime.getOrDefault(window.warmUp(), List.of()), perFireTime);
        return new Summary(warmUp, measured, Figures.merge(measured), outside, deadLetters);
    }

    private Figures figures(Instant fireTime, List<Fire> fired, int perFireTime) {
        Histogram fire = histogram();
        Histogram queue = histogram();
        Histogram completion = histogram();
        long early = 0;
        long queuedCount = 0;
        long completedCount = 0;
        long again = 0;
        for (Fire f : fired) {
            early += record(fire, fireTime, f.firedAt());
            Instant queuedAt = queued.get(f.taskId());
            if (queuedAt != null) {
                queuedCount++;
                early += record(queue, fireTime, queuedAt);
                again += queuedAgain.getOrDefault(f.taskId(), 0L);
            }
            Instant completedAt = completed.get(f.taskId());
            if (completedAt != null) {
                completedCount++;
                early += record(completion, fireTime, completedAt);
            }
        }
        return new Figures(fireTime, 1, perFireTime, fired.size(), queuedCount, completedCount,
                sameTaskAgain.getOrDefault(fireTime, 0L), secondTask.getOrDefault(fireTime, 0L), again, early,
                fire, queue, completion);
    }

    /** Records {@code at − fireTime} in microseconds; answers 1 when that is negative (recorded as 0). */
    private static int record(Histogram histogram, Instant fireTime, Instant at) {
        long micros = java.time.Duration.between(fireTime, at).toNanos() / 1_000;
        histogram.recordValue(Math.max(0, micros));
        return micros < 0 ? 1 : 0;
    }

    private static Histogram histogram() {
        return new Histogram(3);
    }
}
