package io.taskstream.ingest.limits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which bucket a request is counted in: the table doubles as the documentation of the groups. */
class EndpointGroupTest {

    @ParameterizedTest(name = "{0} {1} → {2}")
    @CsvSource({
            "POST,   /api/v1/tasks,                          submit",
            "POST,   /api/v1/tasks:batch,                    submit",
            "DELETE, /api/v1/tasks/0193,                     submit",
            "PATCH,  /api/v1/tasks/0193,                     submit",
            "PUT,    /api/v1/schedules/0193,                 submit",
            "POST,   /api/v1/schedules/0193:trigger,         submit",
            "POST,   /api/v1/dlq:replay,                     submit",
            "DELETE, /api/v1/dlq/0193,                       submit",
            "GET,    /api/v1/tasks,                          query",
            "HEAD,   /api/v1/tasks/0193,                     query",
            "GET,    /api/v1/dlq,                            query",
            "GET,    /api/v1/stats,                          query",
            "GET,    /api/v1/keys,                           admin",
            "POST,   /api/v1/keys,                           admin",
            "POST,   /api/v1/keys/k1:rotate,                 admin",
            "PUT,    /api/v1/tenants/acme/limits,            admin",
            "GET,    /api/v1/tenants/acme/limits,            admin",
            "GET,    /api/v1/audit,                          admin",
            "GET,    /api/v1/workers/w-1,                    admin",
            "GET,    /api/v1/keysets,                        query",
            "POST,   /api/v1/workersx,                       submit"})
    void eachRequestIsCountedInTheGroupOfItsPathAndMethod(String method, String path, String group) {
        assertThat(EndpointGroup.of(method, path).wireName()).isEqualTo(group);
        assertThat(EndpointGroup.of(group)).contains(EndpointGroup.of(method, path));
    }

    @ParameterizedTest
    @CsvSource({"bulk", "SUBMIT", "''"})
    void onlyTheThreeWireNamesAreGroups(String name) {
        assertThat(EndpointGroup.of(name)).isEmpty();
    }
}
