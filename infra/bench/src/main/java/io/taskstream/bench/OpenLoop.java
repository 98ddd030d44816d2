package io.taskstream.bench;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Open-loop load: request <i>i</i> is due at {@code start + i / rate}, whatever the earlier requests
 * are doing. A slow server therefore meets more concurrent requests, as it would in production, instead
 * of slowing the generator down (a closed loop would hide exactly the queueing we want to see) — up to
 * {@link #MAX_IN_FLIGHT} at once. One thread sends every request when it is due; the answers arrive
 * asynchronously ({@link Request} returns a {@link CompletionStage}), so no thread per request waits
 * for one: with a blocking sender per request (512 platform threads) the generator cost ≈ 0.22 core at
 * 1,000 requests/s, a ninth of this machine, and measured its own scheduling as much as the server.
 *
 * <p>Latency is measured from the moment a request was <em>due</em>, not from when it was sent, so a
 * generator that falls behind (a GC pause, a busy core, {@link #MAX_IN_FLIGHT} reached) counts its
 * lateness against the result rather than leaving it out ("coordinated omission"). The service time
 * (sent → answered) is recorded too. Requests due during the warm-up run but are not recorded.
 */
public final class OpenLoop {

    /** Most requests in flight at once; one due while that many are in flight starts late, and that counts. */
    static final int MAX_IN_FLIGHT = 512;

    /** Starts one request; its stage completes with the HTTP status (or any outcome code), or fails: an error. */
    @FunctionalInterface
    public interface Request {
        CompletionStage<Integer> send(long index) throws Exception;
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

    /** Runs the load on the calling thread; answers still missing after the drain timeout are not counted. */
    public Result run(Request request) throws InterruptedException {
        long intervalNanos = Math.max(1, Math.round(1e9 / rate));
        long total = (warmup.toNanos() + duration.toNanos() + intervalNanos - 1) / intervalNanos;
        Recorder recorder = new Recorder(total);
        Semaphore slots = new Semaphore(MAX_IN_FLIGHT);
        long start = System.nanoTime();
        long measureFrom = start + warmup.toNanos();
        for (long i = 0; i < total; i++) {
            long due = start + i * intervalNanos;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            slots.acquire();
            boolean record = due >= measureFrom;
            long sent = System.nanoTime();
            if (record) {
                recorder.behind((sent - due) / 1000);
            }
            CompletionStage<Integer> answer;
            try {
                answer = request.send(i);
            } catch (Exception e) {
                answer = CompletableFuture.failedFuture(e);
            }
            answer.whenComplete((status, error) -> {
                slots.release();
                recorder.answered(record, due, sent, error == null ? status : -1);
            });
        }
        long end = measureFrom + duration.toNanos();
        recorder.awaitAnswers(end + drainTimeout.toNanos() - System.nanoTime());
        return recorder.result(duration);
    }

    /** The figures of one run, written by whichever thread completes an answer. */
    private static final class Recorder {
        private final Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(5), 3);
        private final Histogram service = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(5), 3);
        private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        private final LongAdder errors = new LongAdder();
        private final LongAdder recorded = new LongAdder();
        private final CountDownLatch unanswered;
        private final AtomicBoolean over = new AtomicBoolean();
        private long behindMicrosMax;

        Recorder(long total) {
            unanswered = new CountDownLatch(Math.toIntExact(total));
        }

        /** Called by the sending thread only. */
        void behind(long micros) {
            behindMicrosMax = Math.max(behindMicrosMax, micros);
        }

        void answered(boolean record, long due, long sent, int status) {
            long now = System.nanoTime();
            if (record && !over.get()) {
                latency.recordValue(Math.max(0, (now - due) / 1000));
                service.recordValue(Math.max(0, (now - sent) / 1000));
                recorded.increment();
                if (status < 0) {
                    errors.increment();
                } else {
                    statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
                }
            }
            unanswered.countDown();
        }

        void awaitAnswers(long nanos) throws InterruptedException {
            unanswered.await(Math.max(0, nanos), TimeUnit.NANOSECONDS);
            over.set(true);
        }

        Result result(Duration measured) {
            Map<Integer, Long> counts = new TreeMap<>();
            statuses.forEach((status, n) -> counts.put(status, n.sum()));
            return new Result(latency, service, counts, errors.sum(), recorded.sum(), measured, behindMicrosMax);
        }
    }
}
