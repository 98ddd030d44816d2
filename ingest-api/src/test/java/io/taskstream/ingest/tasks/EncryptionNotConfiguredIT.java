package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.taskstream.ingest.IngestApiApplication;
import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.TestApi;
import tools.jackson.databind.JsonNode;

/** An API without a key ring: {@code "encrypt": true} is refused before anything is written; plain tasks are fine. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + IngestApiApplication.CONFIG_NAME)
class EncryptionNotConfiguredIT {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(EncryptionNotConfiguredIT.class, registry);
    }

    @LocalServerPort
    int port;

    @Test
    void anEncryptedTaskIsABadRequestNamingTheEncryptField() {
        TestApi api = TestApi.onPort(port);

        HttpResponse<String> refused = api.submit("{\"type\": \"a\", \"payload\": {\"x\": 1}, \"encrypt\": true}");
        HttpResponse<String> plain = api.submit("{\"type\": \"a\", \"payload\": {\"x\": 1}, \"encrypt\": false}");

        JsonNode problem = TestApi.assertProblem(refused, 400, "validation_failed");
        assertThat(problem.get("errors")).singleElement().satisfies(error -> {
            assertThat(error.get("field").asString()).isEqualTo("encrypt");
            assertThat(error.get("message").asString()).isEqualTo("payload encryption is not configured on this "
                    + "server: it needs a key ring (TASKSTREAM_ENCRYPTION_KEYS or TASKSTREAM_ENCRYPTION_KEYS_FILE)");
        });
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(202);
    }
}
