package io.taskstream.ingest.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.springframework.http.ProblemDetail;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.Problems;
import io.taskstream.ingest.http.JsonBodies;
import io.taskstream.schemas.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The body of {@code POST /tasks:batch}, {@code {"tasks": [ … ]}}: 1 to {@code max-batch-size} tasks,
 * each one what {@code POST /tasks} takes. What is wrong with the request as a whole (an unknown
 * field, {@code tasks} missing, not an array, empty or too long) is {@code 400 validation_failed} for
 * all of it; what is wrong with one task is that task's result alone ({@link TaskSubmitter#submitAll}).
 *
 * @param tasks the tasks as sent, in order; not yet checked one by one
 */
public record TaskBatch(List<JsonNode> tasks) {

    static final Set<String> FIELDS = Set.of("tasks");

    static TaskBatch of(ObjectNode body, int maxSize) {
        List<Violation> violations = new ArrayList<>(JsonBodies.unknownFields(body, FIELDS));
        JsonNode tasks = body.get("tasks");
        if (tasks == null || tasks.isNull()) {
            violations.add(new Violation("tasks", "is required: an array of 1 to " + maxSize + " tasks"));
        } else if (!tasks.isArray()) {
            violations.add(new Violation("tasks", "must be an array of tasks"));
        } else if (tasks.isEmpty()) {
            violations.add(new Violation("tasks", "must hold at least one task"));
        } else if (tasks.size() > maxSize) {
            violations.add(new Violation("tasks", "holds " + tasks.size() + " tasks; at most " + maxSize
                    + " are accepted in one batch"));
        }
        if (!violations.isEmpty()) {
            throw ApiException.validation(violations);
        }
        return new TaskBatch(tasks.valueStream().toList());
    }

    /** The answer: one result per task, in order. */
    public record Results(List<Result> results) {

        static Results of(List<TaskSubmitter.Outcome> outcomes) {
            List<Result> results = new ArrayList<>(outcomes.size());
            for (int i = 0; i < outcomes.size(); i++) {
                results.add(Result.of(i, outcomes.get(i)));
            }
            return new Results(results);
        }
    }

    /**
     * What became of the task at {@code index}: {@code status} 202 (accepted) or 200 (an idempotent retry)
     * with its {@code task} view, or an error status with the {@code error} problem it would have had alone.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(int index, int status, TaskView task, ProblemDetail error) {

        static Result of(int index, TaskSubmitter.Outcome outcome) {
            return switch (outcome) {
                case TaskSubmitter.Outcome.Created created -> new Result(index, outcome.status(), created.task(), null);
                case TaskSubmitter.Outcome.Found found -> new Result(index, outcome.status(), found.task(), null);
                case TaskSubmitter.Outcome.Rejected rejected -> new Result(index, outcome.status(), null,
                        Problems.of(rejected.error().code(), rejected.error().getMessage(), rejected.error().errors()));
            };
        }
    }
}
