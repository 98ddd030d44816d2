package io.taskstream.schemas;

import java.util.Locale;

/** How urgently a task should run. Each priority has its own submit and ready topics. */
public enum Priority {
    CRITICAL, HIGH, NORMAL, LOW;

    /** The lower-case suffix used in topic names, e.g. {@code submit.normal}. */
    public String topicSuffix() {
        return name().toLowerCase(Locale.ROOT);
    }
}
