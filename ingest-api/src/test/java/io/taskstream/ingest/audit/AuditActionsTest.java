package io.taskstream.ingest.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The action names of the routes: the table, and the rule for a route the table does not know yet. */
class AuditActionsTest {

    @ParameterizedTest(name = "{0} {1} is {2}")
    @CsvSource(nullValues = "-", textBlock = """
            POST,   /api/v1/tasks,                    task.submit,          task,     -
            POST,   /api/v1/tasks:batch,              task.submit_batch,    -,        -
            DELETE, /api/v1/tasks/{id},               task.cancel,          task,     id
            PATCH,  /api/v1/tasks/{id},               task.reprioritize,    task,     id
            POST,   /api/v1/dlq/{taskId}:replay,      dlq.replay,           task,     taskId
            POST,   /api/v1/dlq:replay,               dlq.replay_bulk,      -,        -
            DELETE, /api/v1/dlq/{taskId},             dlq.purge,            task,     taskId
            POST,   /api/v1/schedules,                schedule.create,      schedule, -
            PUT,    /api/v1/schedules/{id},           schedule.update,      schedule, id
            PATCH,  /api/v1/schedules/{id},           schedule.set_enabled, schedule, id
            DELETE, /api/v1/schedules/{id},           schedule.delete,      schedule, id
            POST,   /api/v1/schedules/{id}:trigger,   schedule.trigger,     schedule, id
            POST,   /api/v1/keys,                     key.create,           key,      -
            DELETE, /api/v1/keys/{id},                key.revoke,           key,      id
            POST,   /api/v1/keys/{id}:rotate,         key.rotate,           key,      id
            PUT,    /api/v1/tenants/{id}/limits,      tenant.limits.update, tenant,   id
            POST,   /api/v1/audit:verify,             audit.verify,         -,        -
            POST,   /api/v1/widgets,                  widgets.create,       widgets,  -
            PUT,    /api/v1/widgets/{id},             widgets.replace,      widgets,  id
            PATCH,  /api/v1/widgets/{id},             widgets.update,       widgets,  id
            DELETE, /api/v1/widgets/{id}/parts/{part}, widgets.parts.delete, widgets,  part
            POST,   /api/v1/widgets/{id}:polish,      widgets.polish,       widgets,  id
            POST,   /api/v1/widgets:sweep,            widgets.sweep,        widgets,  -
            """)
    void everyRouteHasAStableName(String method, String pattern, String name, String type, String idVariable) {
        assertThat(AuditActions.of(method, pattern)).isEqualTo(new AuditActions.Action(name, type, idVariable));
    }

    @Test
    void noTwoRoutesOfTheTableShareAName() {
        List<String> names = AuditActions.names();
        assertThat(names).doesNotHaveDuplicates().hasSize(17);
    }

    @Test
    void theMutatingRoutesTheTableDoesNotNameAreListed() {
        assertThat(AuditActions.unnamed(List.of("POST /api/v1/tasks", "GET /api/v1/widgets",
                "POST /api/v1/widgets", "DELETE /error", "PUT /api/v1/widgets/{id}")))
                .containsExactly("POST /api/v1/widgets", "PUT /api/v1/widgets/{id}");
        assertThat(AuditActions.isNamed("POST", "/api/v1/tasks")).isTrue();
        assertThat(AuditActions.isNamed("POST", "/api/v1/widgets")).isFalse();
    }
}
