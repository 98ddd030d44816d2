package io.taskstream.worker.samples;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;

/** {@code log}: writes the payload to the log (unless the task is encrypted) and completes. */
public final class LogHandler implements TaskHandler {

    private static final Logger log = LoggerFactory.getLogger(LogHandler.class);

    @Override
    public String type() {
        return "log";
    }

    @Override
    public HandlerResult handle(TaskContext context) {
        if (context.isEncrypted()) {
            log.info("{} payload (encrypted: not logged)", context);
        } else {
            log.info("{} payload {}", context, context.payload());
        }
        return HandlerResult.completed();
    }
}
