package io.taskstream.bench.suite;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;

import io.taskstream.bench.LagProbe;
import io.taskstream.schemas.Topics;

/**
 * Records the pipeline has not processed yet, summed over its consumer groups: the scheduler's on the
 * submit topics and {@code results}, the workers' on the ready topics, the projection's on {@code events}
 * (less one possible transaction marker per partition, which no consumer commits past).
 * Sampled every 200 ms through Kafka's Admin API (cheap, and it needs nothing from the services). The
 * throughput producers {@link #awaitBelow pause} while it is over their cap: the pipeline stays saturated,
 * but never holds more than a second or two of work, so a window's end is the end of its work too.
 */
final class Backlog implements AutoCloseable {

    private final List<LagProbe> probes;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("bench-backlog").factory());
    private final AtomicLong records = new AtomicLong();
    /** Records admitted by {@link #acquire} since the last sample: the sample cannot know them yet. */
    private final AtomicLong sinceSample = new AtomicLong();

    Backlog(Admin admin, Topics topics, String schedulerGroup, String workerGroup, String projectionGroup) {
        Duration timeout = Duration.ofSeconds(5);
        this.probes = List.of(
                new LagProbe(admin, schedulerGroup,
                        Stream.concat(topics.submitTopics().stream(), Stream.of(topics.results())).toList(), timeout),
                new LagProbe(admin, workerGroup, topics.readyTopics(), timeout),
                new LagProbe(admin, projectionGroup, List.of(topics.events()), timeout));
        timer.scheduleWithFixedDelay(this::sample, 0, 200, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        try {
            long sentBefore = sinceSample.get();
            long sum = 0;
            for (LagProbe probe : probes) {
                sum += probe.work(probe.lag());
            }
            records.set(sum);
            sinceSample.addAndGet(-sentBefore);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // a missed sample keeps the last figure; the next one corrects it
        }
    }

    /**
     * Waits until {@code n} more records fit under {@code cap} — the last sample plus what was acquired since
     * it — and counts them; answers false, acquiring nothing, once {@code deadlineNanos} has passed.
     */
    boolean acquire(long cap, int n, long deadlineNanos) {
        while (System.nanoTime() < deadlineNanos) {
            if (records.get() + sinceSample.get() + n <= cap) {
                sinceSample.addAndGet(n);
                return true;
            }
            LockSupport.parkNanos(1_000_000);
        }
        return false;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        probes.forEach(LagProbe::close);
    }
}
