package io.taskstream.schemas;

/**
 * The wire documents of the Kafka contract: each has a stable wire name ({@code ts-schema} header
 * value, e.g. {@code task-submission/v1}) that is not the class name, and a JSON Schema file in
 * {@code schemas/<name>.v1.json}.
 */
public enum Document {
    TASK_SUBMISSION("task-submission", TaskSubmission.class),
    TASK_DISPATCH("task-dispatch", TaskDispatch.class),
    ATTEMPT_RESULT("attempt-result", AttemptResult.class),
    TASK_EVENT("task-event", TaskEvent.class),
    DEAD_LETTER("dead-letter", DeadLetter.class),
    SCHEDULE_DEFINITION("schedule-definition", ScheduleDefinition.class),
    CONTROL_COMMAND("control-command", ControlCommand.class);

    public static final int VERSION = 1;

    private final String wireName;
    private final Class<?> type;

    Document(String wireName, Class<?> type) {
        this.wireName = wireName;
        this.type = type;
    }

    public String wireName() {
        return wireName;
    }

    public Class<?> type() {
        return type;
    }

    /** The value of the {@code ts-schema} header, e.g. {@code task-submission/v1}. */
    public String header() {
        return wireName + "/v" + VERSION;
    }

    /** The class-path location of the JSON Schema. */
    public String schemaResource() {
        return "schemas/" + wireName + ".v" + VERSION + ".json";
    }

    public static Document of(Class<?> type) {
        for (Document d : values()) {
            if (d.type == type) {
                return d;
            }
        }
        throw new IllegalArgumentException("not a wire document: " + type.getName());
    }
}
