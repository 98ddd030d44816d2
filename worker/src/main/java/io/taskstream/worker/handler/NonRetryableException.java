package io.taskstream.worker.handler;

/**
 * Thrown by a {@link TaskHandler} when retrying cannot help (a malformed payload, a permanently
 * rejected request): the attempt fails with code {@code handler_error}, not retryable, and the task
 * goes to the dead-letter queue without burning its remaining attempts.
 *
 * <p>For exceptions a handler does not create itself (a client library's "bad request"), list their
 * types in {@code taskstream.worker.non-retryable-exceptions} instead: they are then treated the same.
 */
public class NonRetryableException extends RuntimeException {

    public NonRetryableException(String message) {
        super(message);
    }

    public NonRetryableException(String message, Throwable cause) {
        super(message, cause);
    }
}
