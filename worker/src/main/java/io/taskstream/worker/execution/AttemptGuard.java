package io.taskstream.worker.execution;

import java.time.Duration;
import java.util.Objects;

import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskError;

/**
 * Whether an attempt may run now. {@link TaskExecutor} asks once the attempt holds its task's lease
 * and the task is not cancelled, just before it reports {@code PROCESSING} — and only when a handler
 * exists for the type. A {@link Deferral} is reported as a {@code DEFERRED} result (the handler is
 * not run, the attempt is not counted); a {@link Permit} lets the handler run, hears how the attempt
 * ended, and is closed afterwards. The worker's own guard is {@code TaskTypeResilience} (circuit
 * breaker, bulkhead and rate limiter per task type).
 */
public interface AttemptGuard {

    /** Lets every attempt run. */
    AttemptGuard NONE = dispatch -> Permit.NOTHING;

    /**
     * Decides about one attempt; called on the attempt's own thread, which may wait here briefly
     * (a bulkhead's max-wait).
     */
    Admission admit(TaskDispatch dispatch);

    /** What {@link #admit} answers: run it ({@link Permit}) or not now ({@link Deferral}). */
    sealed interface Admission permits Permit, Deferral {
    }

    /**
     * The attempt may run. The executor tells how it ended ({@link #ended}, at most once), then
     * closes the permit — also when the attempt was abandoned and {@code ended} never came. Used by
     * the attempt's one calling thread only.
     */
    non-sealed interface Permit extends Admission, AutoCloseable {

        /** A permit that records nothing and holds nothing. */
        Permit NOTHING = new Permit() {
            @Override
            public void ended(AttemptOutcome outcome, TaskError error) {
            }

            @Override
            public void close() {
            }
        };

        /** The handler ran and the attempt ended so ({@code error} is null for {@code COMPLETED}). */
        void ended(AttemptOutcome outcome, TaskError error);

        /** Gives back what {@link #admit} took; an attempt that never {@link #ended} is not recorded. */
        @Override
        void close();
    }

    /**
     * Not now: the attempt is reported {@code DEFERRED} with {@code code} (retryable) and runs again
     * {@code retryAfter} from now, not counted against the task's {@code maxAttempts}.
     */
    record Deferral(String code, String message, Duration retryAfter) implements Admission {
        public Deferral {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
            if (retryAfter.isNegative()) {
                throw new IllegalArgumentException("retryAfter must not be negative (was " + retryAfter + ")");
            }
        }
    }
}
