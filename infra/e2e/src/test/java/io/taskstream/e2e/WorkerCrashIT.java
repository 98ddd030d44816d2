package io.taskstream.e2e;

import static io.taskstream.e2e.TaskstreamSystem.submission;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.taskstream.schemas.TaskIds;
import io.taskstream.schemas.TaskSubmission;

/**
 * Issue #4's worker promises on real processes, with the worker's real {@code http.request} handler
 * calling a {@link WorkServer} that does the work and watches for a task run twice at once.
 */
class WorkerCrashIT {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerCrashIT.class);
    /** Fast failure detection and short leases, so a survivor takes over within seconds. */
    private static final Map<String, String> QUICK = Map.of(
            "SPRING_KAFKA_CONSUMER_PROPERTIES_SESSION_TIMEOUT_MS", "10000",
            "TASKSTREAM_WORKER_LEASETTL", "5s",
            "TASKSTREAM_WORKER_LEASERETRY", "200ms");

    private final Clock clock = Clock.systemUTC(); // real processes, real time
    private TaskstreamSystem system;
    private WorkServer work;

    @AfterEach
    void stop() {
        if (system != null) {
            system.close();
        }
        if (work != null) {
            work.close();
        }
    }

    private void startSystem(int partitions, Duration workPerTask) {
        work = new WorkServer(workPerTask);
        system = TaskstreamSystem.start(partitions);
        ServiceProcess api = system.startApi();
        ServiceProcess scheduler = system.startScheduler("scheduler-1");
        api.awaitReady(TaskstreamSystem.START);
        scheduler.awaitReady(TaskstreamSystem.START);
    }

    private List<TaskSubmission> tasks(int n) {
        Random random = new Random(7);
        List<TaskSubmission> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tasks.add(submission(TaskIds.newId(clock, random), "http.request", work.payload("task-" + i), null,
                    clock.instant()));
        }
        return tasks;
    }

    private long completedOnce() throws Exception {
        return system.count("select count(*) from (select task_id from task_executions where outcome = 'COMPLETED'"
                + " group by task_id having count(*) = 1) once");
    }

    @Test
    void killingAWorkerInTheMiddleOf200RunningTasksLosesNoneAndNeverRunsOneTwiceAtOnce() throws Exception {
        // 5 s of work each: starts are paced by the scheduler's ticks and the leases (seen: 200 starts over
        // ≈ 6 s), so shorter tasks may never have dozens running at once, and the kill would hit an idle worker
        startSystem(3, Duration.ofSeconds(5));
        ServiceProcess doomed = system.startWorker("worker-doomed", QUICK);
        ServiceProcess survivor = system.startWorker("worker-survivor", QUICK);
        doomed.awaitReady(TaskstreamSystem.START);
        survivor.awaitReady(TaskstreamSystem.START);
        system.awaitWorkers(2);

        system.produce(tasks(200));
        // kill -9 while dozens of tasks run (on two workers of 100 slots each)
        await().atMost(Duration.ofMinutes(2)).until(() -> work.inFlight() >= 60);
        doomed.kill();
        LOG.info("killed a worker with {} runs started so far", work.runs());

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> system.count("select count(*) from tasks where status = 'COMPLETED'"), n -> n == 200);

        assertThat(work.overlaps()).as("runs of one task at the same time").isZero();
        assertThat(completedOnce()).as("tasks completed exactly once").isEqualTo(200);
        assertThat(work.tasksRun()).as("every task was run").isEqualTo(200);
        LOG.info("200 tasks, {} runs of the work (runs cut short by the kill are run again)", work.runs());
    }

    @Test
    void threeWorkersShare20000TasksOn6PartitionsWithoutLossOrOverlap() throws Exception {
        startSystem(6, Duration.ofMillis(10));
        List<ServiceProcess> workers = List.of(system.startWorker("worker-a"), system.startWorker("worker-b"),
                system.startWorker("worker-c"));
        workers.forEach(w -> w.awaitReady(TaskstreamSystem.START));
        system.awaitWorkers(3);

        system.produce(tasks(20_000));
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                .until(() -> system.count("select count(*) from tasks where status = 'COMPLETED'"), n -> n == 20_000);

        assertThat(work.overlaps()).as("runs of one task at the same time").isZero();
        assertThat(completedOnce()).as("tasks completed exactly once").isEqualTo(20_000);
        assertThat(system.count("select count(distinct worker_id) from task_executions"))
                .as("all three workers took part").isEqualTo(3);
        long seconds = system.count("select ceil(extract(epoch from max(finished_at) - min(started_at)))::bigint"
                + " from task_executions");
        LOG.info("three workers, 6 partitions: 20,000 tasks of 10 ms work in {} s (≈ {} tasks/s), {} runs",
                seconds, 20_000 / Math.max(1, seconds), work.runs());
    }

    @Test
    void aWorkerStoppedGracefullyHandsItsRunningTasksBackToRunAgainAtOnce() throws Exception {
        startSystem(3, Duration.ofSeconds(10));
        Map<String, String> shortGrace = new java.util.HashMap<>(QUICK);
        shortGrace.put("TASKSTREAM_WORKER_SHUTDOWNTIMEOUT", "1s");
        ServiceProcess stopping = system.startWorker("worker-stopping", shortGrace);
        ServiceProcess survivor = system.startWorker("worker-survivor", QUICK);
        stopping.awaitReady(TaskstreamSystem.START);
        survivor.awaitReady(TaskstreamSystem.START);
        system.awaitWorkers(2);

        system.produce(tasks(20));
        await().atMost(Duration.ofMinutes(2)).until(() -> work.inFlight() == 20);
        java.time.Instant stoppedAt = clock.instant();
        stopping.close(); // SIGTERM: 1 s for the running tasks, then they are interrupted and handed back

        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                .until(() -> system.count("select count(*) from tasks where status = 'COMPLETED'"), n -> n == 20);
        Duration handedOver = Duration.between(stoppedAt, clock.instant());

        assertThat(completedOnce()).as("tasks completed exactly once").isEqualTo(20);
        assertThat(system.count("select count(*) from task_executions where outcome = 'DEFERRED'"
                + " and worker_id like 'worker-stopping%'")).as("interrupted attempts reported, not lost").isPositive();
        assertThat(system.count("select count(*) from tasks where attempts > 1"))
                .as("an interrupted attempt is not counted against maxAttempts").isZero();
        assertThat(handedOver).as("run again at once, not after the visibility timeout").isLessThan(Duration.ofSeconds(60));
        LOG.info("a worker stopped gracefully with 20 tasks running: all completed {} ms later", handedOver.toMillis());
    }
}
