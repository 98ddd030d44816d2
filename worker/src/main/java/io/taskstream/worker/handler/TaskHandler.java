package io.taskstream.worker.handler;

/**
 * Runs tasks of one type. Implement it, make it a Spring bean, and every task whose
 * {@code type} equals {@link #type()} is handed to {@link #handle(TaskContext)}.
 *
 * <p>Execution is <em>at-least-once</em>: a crash or a rebalance can run the same attempt again,
 * so a handler should be idempotent (use {@link TaskContext#taskId()} as an idempotency key
 * towards the outside world).
 *
 * <p>What the handler answers decides what happens next:
 * <ul>
 *   <li>return {@link HandlerResult#completed(Object)} → the task completes with that result;</li>
 *   <li>return {@link HandlerResult#failed(String, String, boolean)} → a failed attempt, retried
 *       by the scheduler if {@code retryable} and attempts remain;</li>
 *   <li>return {@link HandlerResult#cancelled(String)} (after {@link TaskContext#isCancelled()}
 *       turned {@code true}) → the task ends {@code CANCELLED};</li>
 *   <li>throw any exception → a retryable failure with code {@code handler_error};</li>
 *   <li>throw {@link NonRetryableException}, or an exception of a type listed in
 *       {@code taskstream.worker.non-retryable-exceptions} → a failure that is never retried.</li>
 * </ul>
 */
public interface TaskHandler {

    /** The task type this handler runs, e.g. {@code email.send}; at most one handler per type. */
    String type();

    /**
     * Runs one attempt of a task, on a thread of its own (blocking is fine).
     *
     * @return the outcome; never {@code null}
     * @throws Exception any failure; see the class comment for how it is reported
     */
    HandlerResult handle(TaskContext context) throws Exception;
}
