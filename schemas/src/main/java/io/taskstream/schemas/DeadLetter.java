package io.taskstream.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A task (or a record) that will not run, on {@code dlq} (wire name {@code dead-letter/v1}).
 * For a failed task: {@code taskId}, {@code tenantId}, the {@code submission} and every attempt.
 * For a Kafka record that could not be read at all: only {@code source}, with the raw value.
 *
 * @param reason  a stable machine code: {@code attempts_exhausted}, {@code non_retryable},
 *                {@code no_handler}, {@code invalid_record}, {@code unreadable_record} …
 */
public record DeadLetter(
        UUID taskId,
        String tenantId,
        String reason,
        String detail,
        Instant deadLetteredAt,
        TaskSubmission submission,
        List<Execution> executions,
        SourceRecord source) {

    public DeadLetter {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(deadLetteredAt, "deadLetteredAt");
        executions = executions == null ? List.of() : List.copyOf(executions);
    }

    /**
     * Where a bad record came from, and its bytes: as text when they are UTF-8
     * ({@code valueEncoding = "utf-8"}), else Base64 ({@code "base64"}).
     */
    public record SourceRecord(String topic, int partition, long offset, String key, String value,
                               String valueEncoding) {
    }
}
