package io.taskstream.worker.execution;

/**
 * An attempt the worker gave up on without a result (its thread was interrupted, e.g. at shutdown).
 * Nothing is reported; the dispatch is not committed, so it is delivered again (or the scheduler's
 * visibility timeout retries it).
 */
public final class AttemptAbandonedException extends RuntimeException {

    public AttemptAbandonedException(String message, Throwable cause) {
        super(message, cause);
    }
}
