package io.taskstream.schemas;

/** One reason a document is invalid: the field (a JSON path such as {@code payload} or {@code backoff.max}) and what is wrong. */
public record Violation(String field, String message) {

    @Override
    public String toString() {
        return field.isEmpty() ? message : field + ": " + message;
    }
}
