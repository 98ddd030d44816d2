package com.example.billing;

import java.util.Map;

import org.springframework.stereotype.Component;

import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;

/** A handler as a class of its own, next to the annotated methods. */
@Component
class InvoiceArchiveHandler implements TaskHandler {

    @Override
    public String type() {
        return "invoice.archive";
    }

    @Override
    public HandlerResult handle(TaskContext context) {
        return HandlerResult.completed(Map.of("archived", context.payload().get("id").asString()));
    }
}
