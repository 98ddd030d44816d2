package io.taskstream.worker.execution;

import java.time.Instant;
import java.util.Optional;

import io.taskstream.schemas.TaskDispatch;

/**
 * Who may run an attempt: one worker at a time per task, and an attempt that some worker already
 * finished is not run again. {@link TaskExecutor} asks before it starts a handler and tells when
 * the result is durable.
 */
public interface AttemptLeases {

    /** No leases: every attempt runs, with fencing token 0. For tests and single-worker setups. */
    AttemptLeases NONE = new AttemptLeases() {
        @Override
        public Optional<AttemptLease> acquire(TaskDispatch dispatch, Instant giveUpAt) {
            return Optional.of(AttemptLease.UNFENCED);
        }

        @Override
        public boolean isFinished(TaskDispatch dispatch) {
            return false;
        }

        @Override
        public void finished(TaskDispatch dispatch) {
        }
    };

    /**
     * Takes the task's lease for this attempt, waiting while another worker holds it (a redelivery
     * during a rebalance, say) or Redis cannot be reached — but not past {@code giveUpAt}.
     *
     * @return the lease, or empty if it could not be had by {@code giveUpAt}
     * @throws InterruptedException if the waiting thread is interrupted (shutdown)
     */
    Optional<AttemptLease> acquire(TaskDispatch dispatch, Instant giveUpAt) throws InterruptedException;

    /** Whether a worker already finished this attempt (its result is durable); unknown counts as no. */
    boolean isFinished(TaskDispatch dispatch);

    /** This attempt's result is durable: later deliveries of it are not run. Best effort. */
    void finished(TaskDispatch dispatch);

    /** The right to run one attempt; closing it lets the task go. */
    interface AttemptLease extends AutoCloseable {

        /** A lease that is always valid, with token 0. */
        AttemptLease UNFENCED = new AttemptLease() {
            @Override
            public long fencingToken() {
                return 0;
            }

            @Override
            public boolean isValid() {
                return true;
            }

            @Override
            public void close() {
            }
        };

        /** Larger than the token of every earlier lease on the task; travels in the result. */
        long fencingToken();

        /** Whether this worker still holds the task: a result is reported only while it does. */
        boolean isValid();

        @Override
        void close();
    }
}
