package io.taskstream.worker.handler;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Makes a public method of a Spring bean the {@link TaskHandler} of one task type, without a class
 * of its own:
 * <pre>{@code
 * @Component
 * class Mailer {
 *     record Email(String to, String subject) {}
 *
 *     @TaskstreamHandler("email.send")
 *     public Map<String, String> send(Email email, TaskContext ctx) {
 *         return Map.of("messageId", smtp.send(email.to(), email.subject(), ctx.taskId()));
 *     }
 * }
 * }</pre>
 *
 * <p><b>Parameters</b>, in any order, each at most once: a {@link TaskContext}, and the payload as
 * any class it binds to ({@link TaskContext#payloadAs(Class)}: unknown fields are ignored, a
 * payload that does not fit fails the attempt for good). None at all is fine too.
 *
 * <p><b>Return</b>: a {@link HandlerResult} (used as is); {@code void} (completed without a
 * result); or any other value, which becomes the task's JSON result ({@code null}: none).
 *
 * <p><b>Exceptions</b> thrown by the method reach the worker as they are, so
 * {@link NonRetryableException} and {@code taskstream.worker.non-retryable-exceptions} work as they
 * do for a {@code TaskHandler} class.
 *
 * <p>Such methods join the same registry as {@code TaskHandler} beans: one handler per type, checked
 * at start-up, and a method of the wrong shape (not public, static, an unsupported parameter, a
 * {@code Future} return) stops the start-up with a message naming the bean and the method. The bean
 * must be a singleton, or have a scoped proxy (then each call reaches the current scope's instance).
 * The call goes through the bean's proxy, if any, so {@code @Transactional} and such apply.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface TaskstreamHandler {

    /** The task type the method runs, e.g. {@code email.send}; at most one handler per type. */
    String value();
}
