package com.example.clash;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Component;

import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;
import io.taskstream.worker.handler.TaskstreamHandler;

/** A user's application with two handlers for one task type: it must not start. */
@SpringBootApplication
public class ClashingWorker {

    @Component
    public static class MailHandler implements TaskHandler {
        @Override
        public String type() {
            return "invoice.mail";
        }

        @Override
        public HandlerResult handle(TaskContext context) {
            return HandlerResult.completed();
        }
    }

    @Component
    public static class Mailer {
        @TaskstreamHandler("invoice.mail")
        public void mail(TaskContext ctx) {
        }
    }
}
