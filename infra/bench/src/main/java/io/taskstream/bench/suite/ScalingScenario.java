package io.taskstream.bench.suite;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

import io.taskstream.bench.HostCpu;
import io.taskstream.bench.report.BenchReport.ScalingPoint;
import io.taskstream.bench.report.BenchReport.Rate;

/**
 * {@code scaling}: 1, then 2, then {@code scalingWorkers} worker processes of {@code slots} slots each
 * (started one more at a time; each step waits until the group has that many members), on topics of 12
 * partitions, running tasks that sleep {@code scalingTaskMs}. Each step offers as much work as the backlog
 * cap allows for a warm-up and a measured window, then drains; its point is what completed in the window
 * per second, and how busy the machine was meanwhile.
 */
final class ScalingScenario {

    static final String NAME = "scaling";

    private ScalingScenario() {
    }

    static List<ScalingPoint> run(Run run, Admin admin, String workerGroup) throws Exception {
        Sizes sizes = run.sizes;
        String payload = "{\"ms\":" + sizes.scalingTaskMs() + "}";
        run.print("%s: 1 to %d worker processes of %d slots, %d ms tasks, %d s warm-up + %d s measured each", NAME,
                sizes.scalingWorkers(), sizes.slots(), sizes.scalingTaskMs(), sizes.warmup().toSeconds(),
                sizes.scaling().toSeconds());
        List<ScalingPoint> points = new ArrayList<>();
        for (int workers = 1; workers <= sizes.scalingWorkers(); workers++) {
            while (run.deployment.workers().size() < workers) {
                Deployment.Child worker = run.deployment.startWorker(sizes.slots());
                run.sampler.track(worker.name(), worker.process().pid(), true);
            }
            awaitMembers(admin, workerGroup, workers, Duration.ofSeconds(90));
            String tenant = run.tenant("scale-" + workers);
            long before = run.producer.acknowledged();
            Instant from = run.clock.instant().plus(sizes.warmup());
            Instant until = from.plus(sizes.scaling());
            run.saturate(tenant, "sleep", payload, sizes.backlog(), from);
            Optional<HostCpu> cpu = HostCpu.read(HostCpu.PROC_STAT);
            run.saturate(tenant, "sleep", payload, sizes.backlog(), until);
            Instant end = run.clock.instant();
            Optional<HostCpu> cpuAfter = HostCpu.read(HostCpu.PROC_STAT);
            double busy = cpu.isPresent() && cpuAfter.isPresent()
                    ? cpuAfter.get().coresBusySince(cpu.get(), Runtime.getRuntime().availableProcessors()) : 0;
            run.producer.flush();
            long submitted = run.producer.acknowledged() - before;
            Rate rate = run.measure(NAME + " " + workers + " worker" + (workers == 1 ? "" : "s"), tenant, submitted,
                    from, end).rate();
            ScalingPoint point = new ScalingPoint(workers, sizes.slots(), rate.tasksPerSec(), busy);
            points.add(point);
            run.print("  %d worker%s: %.0f tasks/s (%d in %.1f s), machine busy %.2f cores", workers,
                    workers == 1 ? "" : "s", point.tasksPerSec(), rate.tasks(), rate.seconds(), busy);
        }
        return points;
    }

    /** Waits until the group is stable with {@code members} members (a new worker joined and got partitions). */
    static void awaitMembers(Admin admin, String group, int members, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String seen = "not there yet";
            try {
                ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all()
                        .get(10, TimeUnit.SECONDS).get(group);
                if (description.groupState() == GroupState.STABLE && description.members().size() >= members) {
                    return;
                }
                seen = "state " + description.groupState() + ", members " + description.members().size();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the worker group " + group + " did not reach " + members
                        + " members within " + timeout.toSeconds() + " s (" + seen + ")");
            }
            Thread.sleep(250); // the group is another process's to change
        }
    }
}
