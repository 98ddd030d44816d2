package io.taskstream.bench;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Open-loop load: request <i>i</i> is due at {@code start + i / rate}, whatever the earlier requests
 * are doing, and each is handed to an idle thread of a growing pool (a new one when all are busy). A
 * slow server therefore meets more concurrent requests, as it would in production, instead of slowing
 * the generator down (a closed loop would hide exactly the queueing we want to see). The threads are
 * platform threads: a virtual thread's blocking socket read goes through the JDK's poller and its
 * timeout through a timer, which cost the generator ≈ 0.1 core at 1,000 requests/s.
 *
 * <p>Latency is measured from the moment a request was <em>due</em>, not from when it was sent, so a
 * generator that falls behind (a GC pause, a busy core) counts its lateness against the result rather
 * than leaving it out ("coordinated omission"). The service time (sent → answered) is recorded too.
 * Requests due during the warm-up run but are not recorded.
 */
public final class OpenLoop {

    /** One request; returns the HTTP status (or any outcome code). Thrown exceptions count as errors. */
    @FunctionalInterface
    public interface Request {
        int send(long index) throws Exception;
    }

    /** What a run measured (recorded requests only: those due after the warm-up). */
    public record Result(Histogram latencyMicros, Histogram serviceMicros, Map<Integer, Long> statuses,
                         long errors, long recorded, Duration measured, long behindMicrosMax) {

        /** Requests per second that were due (and answered) in the measured window. */
        public double throughput() {
            double seconds = measured.toNanos() / 1e9;
            return seconds == 0 ? 0 : recorded / seconds;
        }

        /** How many answers had this status. */
        public long count(int status) {
            return statuses.getOrDefault(status, 0L);
        }
    }

    private final double rate;
    private final Duration warmup;
    private final Duration duration;
    private final Duration drainTimeout;

    /**
     * @param rate         requests per second
     * @param warmup       how long requests run before they are recorded
     * @param duration     how long recorded requests are due after the warm-up
     * @param drainTimeout how long to wait for answers after the last request was due
     */
    public OpenLoop(double rate, Duration warmup, Duration duration, Duration drainTimeout) {
        if (!(rate > 0)) {
            throw new IllegalArgumentException("rate must be positive");
        }
        if (warmup.isNegative() || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("warm-up must not be negative and duration must be positive");
        }
        this.rate = rate;
        this.warmup = warmup;
        this.duration = duration;
        this.drainTimeout = drainTimeout;
    }

    public Result run(Request request) throws InterruptedException {
        Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(5), 3);
        Histogram service = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(5), 3);
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        LongAdder errors = new LongAdder();
        LongAdder recorded = new LongAdder();
        AtomicLong behindMax = new AtomicLong();
        long intervalNanos = Math.max(1, Math.round(1e9 / rate));
        long start = System.nanoTime();
        long measureFrom = start + warmup.toNanos();
        long end = measureFrom + duration.toNanos();

        AtomicBoolean over = new AtomicBoolean();
        ExecutorService threads = Executors.newCachedThreadPool(Thread.ofPlatform().name("request-", 0)
                .daemon().factory());
        try {
            for (long i = 0; ; i++) {
                long due = start + i * intervalNanos;
                if (due >= end) {
                    break;
                }
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                boolean record = due >= measureFrom;
                if (record) {
                    behindMax.accumulateAndGet((System.nanoTime() - due) / 1000, Math::max);
                }
                long index = i;
                threads.execute(() -> {
                    long sent = System.nanoTime();
                    int status;
                    try {
                        status = request.send(index);
                    } catch (Exception e) {
                        status = -1;
                    }
                    long answered = System.nanoTime();
                    if (record && !over.get()) {
                        latency.recordValue(Math.max(0, (answered - due) / 1000));
                        service.recordValue(Math.max(0, (answered - sent) / 1000));
                        recorded.increment();
                        if (status < 0) {
                            errors.increment();
                        } else {
                            statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
                        }
                    }
                });
            }
        } finally {
            threads.shutdown();
            // a platform thread blocked reading a socket ignores interrupts: requests still unanswered after
            // the drain timeout are left to their (daemon) threads and not counted
            if (!threads.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                threads.shutdownNow();
            }
            over.set(true);
        }
        Map<Integer, Long> counts = new java.util.TreeMap<>();
        statuses.forEach((status, n) -> counts.put(status, n.sum()));
        return new Result(latency, service, counts, errors.sum(), recorded.sum(), duration, behindMax.get());
    }
}
