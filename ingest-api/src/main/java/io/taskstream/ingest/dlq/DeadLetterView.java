package io.taskstream.ingest.dlq;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonUnwrapped;

import io.taskstream.ingest.tasks.TaskView;

/**
 * A task in the dead-letter queue as {@code GET /dlq} lists it: the task view, plus when and why it was
 * dead-lettered ({@code reason}: {@code attempts_exhausted}, {@code non_retryable}, {@code invalid_record} …).
 *
 * @param detail the dead letter's human explanation; shown by {@link DeadLetterDetail} only
 */
public record DeadLetterView(@JsonUnwrapped TaskView task, Instant deadLetteredAt, String reason,
                             @JsonIgnore String detail) {
}
