package io.taskstream.worker.samples;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.NonRetryableException;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;

/**
 * {@code email.send}: {@code {"to", "subject", "body"}} records the message in memory and sends
 * nothing; answers {@code {"messageId": …}}. The message id is derived from the task id, the way a
 * real mail API is given an idempotency key: running the task again (at-least-once) records nothing
 * new and answers the same id.
 */
public final class EmailSendHandler implements TaskHandler {

    /** The latest messages kept; older ones are dropped so a long-running dev worker stays small. */
    static final int KEEP = 1_000;

    /** One message as it would have been sent. */
    public record Email(String messageId, UUID taskId, String to, String subject, String body, Instant sentAt) {
    }

    record Payload(String to, String subject, String body) {
    }

    private final Clock clock;
    /** Guarded by itself: handlers may run on several threads. */
    private final Map<String, Email> outbox = new LinkedHashMap<>();

    public EmailSendHandler(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String type() {
        return "email.send";
    }

    @Override
    public HandlerResult handle(TaskContext context) {
        Payload payload = context.payloadAs(Payload.class);
        if (payload.to() == null || payload.to().isBlank()) {
            throw new NonRetryableException("email.send needs a \"to\" address");
        }
        String messageId = "msg-" + context.taskId();
        synchronized (outbox) {
            outbox.computeIfAbsent(messageId, id -> new Email(id, context.taskId(), payload.to(),
                    payload.subject(), payload.body(), clock.instant()));
            if (outbox.size() > KEEP) {
                outbox.remove(outbox.keySet().iterator().next());
            }
        }
        return HandlerResult.completed(Map.of("messageId", messageId));
    }

    /** The messages recorded so far, oldest first. */
    public List<Email> sent() {
        synchronized (outbox) {
            return List.copyOf(new ArrayList<>(outbox.values()));
        }
    }
}
