package io.taskstream.ingest.workers;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.taskstream.schemas.WorkerHeartbeat;

/**
 * The rules that turn a worker's latest heartbeat into its {@link WorkerStatus}, in one place:
 * <ol>
 *   <li>{@code UNHEALTHY} when its latest heartbeat is {@value #MISSED_HEARTBEATS} or more of its
 *       own intervals old (30 s at the default 10 s): it died, hangs, or cannot reach Redis. A clock
 *       that puts the heartbeat in the future counts as a fresh heartbeat.</li>
 *   <li>else {@code DEGRADED} when any of these holds in its latest heartbeat:
 *     <ul>
 *       <li>more than {@value #MAX_ERROR_PERCENT} % of the attempts that ended in the interval
 *           before it failed or timed out, with at least {@value #MIN_ATTEMPTS} attempts (fewer say
 *           too little; cancelled attempts count as attempts, not as errors);</li>
 *       <li>it has stuck slots: attempts abandoned within the last few minutes, whose handlers
 *           ignored the interrupt at their timeout and may still hold a thread;</li>
 *       <li>its consumer loop is not running, so it takes no work.</li>
 *     </ul></li>
 *   <li>else {@code HEALTHY}.</li>
 * </ol>
 * Each rule that holds adds a sentence to the reasons shown with the status.
 */
public final class WorkerHealth {

    /** Heartbeats a worker may miss before it is {@code UNHEALTHY}. */
    public static final int MISSED_HEARTBEATS = 3;
    /** Attempts an interval needs before its error rate counts. */
    public static final int MIN_ATTEMPTS = 10;
    /** The share of failed or timed-out attempts, in percent, above which a worker is {@code DEGRADED}. */
    public static final int MAX_ERROR_PERCENT = 50;

    private WorkerHealth() {
    }

    /** A status and why. */
    public record Assessment(WorkerStatus status, List<String> reasons) {
        public Assessment {
            reasons = List.copyOf(reasons);
        }
    }

    public static Assessment assess(WorkerHeartbeat heartbeat, Instant now) {
        Duration silence = Duration.between(heartbeat.lastHeartbeatAt(), now);
        Duration limit = heartbeat.interval().multipliedBy(MISSED_HEARTBEATS);
        if (silence.compareTo(limit) >= 0) {
            return new Assessment(WorkerStatus.UNHEALTHY, List.of("no heartbeat for " + seconds(silence)
                    + " (one is due every " + seconds(heartbeat.interval()) + ")"));
        }
        List<String> reasons = new ArrayList<>();
        long attempts = heartbeat.attempts();
        long errors = heartbeat.failed() + heartbeat.timedOut();
        if (attempts >= MIN_ATTEMPTS && errors * 100 > attempts * MAX_ERROR_PERCENT) {
            reasons.add(String.format(Locale.ROOT, "%d of the %d attempts of the last interval failed or timed out",
                    errors, attempts));
        }
        if (heartbeat.stuck() > 0) {
            reasons.add(heartbeat.stuck() + (heartbeat.stuck() == 1 ? " stuck slot" : " stuck slots")
                    + ": attempts abandoned at their timeout may still be running");
        }
        if (!heartbeat.consumerRunning()) {
            reasons.add("its consumer loop is not running: it takes no work");
        }
        return new Assessment(reasons.isEmpty() ? WorkerStatus.HEALTHY : WorkerStatus.DEGRADED, reasons);
    }

    private static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
