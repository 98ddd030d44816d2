package io.taskstream.bench.suite;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.clients.admin.Admin;

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
            Deployment.awaitWorkers(admin, workerGroup, workers, Duration.ofSeconds(90));
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
}
