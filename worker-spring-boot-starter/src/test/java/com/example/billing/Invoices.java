package com.example.billing;

import java.util.Map;

import org.springframework.stereotype.Component;

import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskstreamHandler;

/** The README's annotated handler, word for word. */
@Component
class Invoices {
    record Invoice(String id, String email) {}

    @TaskstreamHandler("invoice.mail")
    public Map<String, String> mail(Invoice invoice, TaskContext ctx) {
        return Map.of("sentTo", invoice.email(), "taskId", ctx.taskId().toString());
    }
}
