package io.taskstream.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Open-loop load: request <i>i</i> is due at {@code start + i / rate}, whatever the earlier requests
 * are doing. A slow server therefore meets more concurrent requests, as it would in production, instead
 * of slowing the generator down (a closed loop would hide exactly the queueing we want to see) — up to
 * {@link #SENDERS} at once. Each of that many sender threads takes the next request number, sleeps until
 * it is due, sends it and waits for its answer, then takes the next: no hand-over between threads per
 * request. They are platform threads: a virtual thread's blocking socket read goes through the JDK's
 * poller and its timeout through a timer, and with a dispatcher handing each request to a pool the
 * generator cost ≈ 0.3 core at 1,000 requests/s, as much as a sixth of this machine.
 *
 * <p>Latency is measured from the moment a request was <em>due</em>, not from when it was sent, so a
 * generator that falls behind (a GC pause, a busy core) counts its lateness against the result rather
 * than leaving it out ("coordinated omission"). The service time (sent → answered) is recorded too.
 * Requests due during the warm-up run but are not recorded.
 */
public final class OpenLoop {

    /** Most requests in flight at once; one due while all are in flight starts late, and that counts. */
    static final int SENDERS = 512;

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

        AtomicLong next = new AtomicLong();
        AtomicBoolean over = new AtomicBoolean();
        Runnable sender = () -> {
            for (long i = next.getAndIncrement(); ; i = next.getAndIncrement()) {
                long due = start + i * intervalNanos;
                if (due >= end) {
                    return;
                }
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                boolean record = due >= measureFrom;
                long sent = System.nanoTime();
                if (record) {
                    behindMax.accumulateAndGet((sent - due) / 1000, Math::max);
                }
                int status;
                try {
                    status = request.send(i);
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
            }
        };
        List<Thread> senders = new ArrayList<>(SENDERS);
        for (int k = 0; k < SENDERS; k++) {
            senders.add(Thread.ofPlatform().name("sender-" + k).daemon().start(sender));
        }
        long drainDeadline = end + drainTimeout.toNanos();
        for (Thread thread : senders) {
            long left = drainDeadline - System.nanoTime();
            // a platform thread blocked reading a socket ignores interrupts: requests still unanswered after
            // the drain timeout are left to their (daemon) threads and not counted
            if (left <= 0 || !thread.join(Duration.ofNanos(left))) {
                break;
            }
        }
        over.set(true);
        Map<Integer, Long> counts = new java.util.TreeMap<>();
        statuses.forEach((status, n) -> counts.put(status, n.sum()));
        return new Result(latency, service, counts, errors.sum(), recorded.sum(), duration, behindMax.get());
    }
}
