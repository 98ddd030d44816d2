package io.taskstream.ingest.dlq;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

import io.taskstream.ingest.tasks.ExecutionView;
import io.taskstream.ingest.tasks.TaskView;

/**
 * One task in the dead-letter queue, {@code GET /dlq/{taskId}}: the listing's fields, the dead letter's
 * {@code detail} and every attempt ({@code executions}, oldest first).
 */
public record DeadLetterDetail(@JsonUnwrapped TaskView task, Instant deadLetteredAt, String reason, String detail,
                               List<ExecutionView> executions) {

    static DeadLetterDetail of(DeadLetterView letter, List<ExecutionView> executions) {
        return new DeadLetterDetail(letter.task(), letter.deadLetteredAt(), letter.reason(), letter.detail(),
                List.copyOf(executions));
    }
}
