package io.taskstream.worker.handler;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.taskstream.worker.handler.internal.MethodTaskHandler;

/**
 * The handlers of this worker, by task type. Built once at start-up from every {@link TaskHandler}
 * bean, {@link TaskstreamHandler} methods included; building fails with one message naming every
 * conflict, so a worker never starts with two handlers for one type or with a type no task could
 * ever have.
 */
public final class HandlerRegistry {

    /** Task types as the contract allows them ({@code TaskSubmission.type}). */
    static final Pattern TYPE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");

    private final Map<String, TaskHandler> byType;

    private HandlerRegistry(Map<String, TaskHandler> byType) {
        this.byType = Map.copyOf(byType);
    }

    /**
     * @throws IllegalStateException if two handlers claim one type, or a type is not a valid task type
     */
    public static HandlerRegistry of(Collection<? extends TaskHandler> handlers) {
        Map<String, List<TaskHandler>> claims = new TreeMap<>();
        for (TaskHandler handler : handlers) {
            String type = handler.type();
            if (type == null || !TYPE.matcher(type).matches()) {
                throw new IllegalStateException("Task handler " + nameOf(handler)
                        + " declares type '" + type + "', which is not a valid task type ("
                        + TYPE.pattern() + ")");
            }
            claims.computeIfAbsent(type, t -> new java.util.ArrayList<>()).add(handler);
        }
        String conflicts = claims.entrySet().stream()
                .filter(e -> e.getValue().size() > 1)
                .map(e -> "'" + e.getKey() + "' by " + e.getValue().stream()
                        .map(HandlerRegistry::nameOf).collect(Collectors.joining(" and ")))
                .collect(Collectors.joining("; "));
        if (!conflicts.isEmpty()) {
            throw new IllegalStateException("More than one task handler for a task type: " + conflicts
                    + ". Keep one handler per type (taskstream.worker.sample-handlers=false turns the"
                    + " sample handlers off).");
        }
        Map<String, TaskHandler> byType = new LinkedHashMap<>();
        claims.forEach((type, list) -> byType.put(type, list.getFirst()));
        return new HandlerRegistry(byType);
    }

    /** A class names its handler; an annotated method is named with its bean ({@link TaskstreamHandler}). */
    private static String nameOf(TaskHandler handler) {
        return handler instanceof MethodTaskHandler method ? method.toString() : handler.getClass().getName();
    }

    public Optional<TaskHandler> find(String type) {
        return Optional.ofNullable(byType.get(type));
    }

    /** The task types this worker can run. */
    public Set<String> types() {
        return new java.util.TreeSet<>(byType.keySet());
    }
}
