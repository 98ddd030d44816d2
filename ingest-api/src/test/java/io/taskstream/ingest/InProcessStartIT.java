package io.taskstream.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The application as a launcher starts it: several contexts in one JVM, configured either as the
 * devstack does (command-line arguments, {@code spring.config.name=ingest-api}) or through
 * {@code SpringApplicationBuilder.properties(...)} with the contract's {@code TASKSTREAM_*} names
 * (default properties lose to the configuration file, but its placeholders read them).
 */
class InProcessStartIT {

    /** What a launcher passes: the TASKSTREAM_* endpoints, plus topics and group of this test. */
    private static Map<String, Object> launcherProperties(Map<String, String> it) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("TASKSTREAM_KAFKA_BOOTSTRAP", it.get("spring.kafka.bootstrap-servers"));
        properties.put("TASKSTREAM_DB_URL", it.get("spring.datasource.url"));
        properties.put("TASKSTREAM_DB_USER", it.get("spring.datasource.username"));
        properties.put("TASKSTREAM_DB_PASSWORD", it.get("spring.datasource.password"));
        properties.put("TASKSTREAM_REDIS_URL", it.get("spring.data.redis.url"));
        properties.put("TASKSTREAM_ADMIN_KEY", ItSupport.ADMIN_KEY);
        properties.put("TASKSTREAM_HTTP_PORT", "0");
        properties.put("taskstream.topics.prefix", it.get("taskstream.topics.prefix"));
        properties.put("taskstream.topics.partitions", "2");
        properties.put("taskstream.ingest.projection-group-id", it.get("taskstream.ingest.projection-group-id"));
        properties.put("taskstream.ingest.dlq-projection-group-id", it.get("taskstream.ingest.dlq-projection-group-id"));
        return properties;
    }

    /** What infra/devstack's DevStack passes: Spring properties as command-line arguments. */
    private static String[] devstackArguments(Map<String, String> it) {
        Map<String, String> properties = new HashMap<>(it);
        properties.put("spring.config.name", "ingest-api");
        properties.put("server.port", "0");
        properties.put("server.address", "127.0.0.1");
        properties.put("spring.main.register-shutdown-hook", "false");
        return properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
    }

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    @Test
    void twoContextsInOneJvmServeSideBySideAndStopIndependently() {
        Map<String, String> it = ItSupport.properties(InProcessStartIT.class);
        try (ConfigurableApplicationContext first = IngestApiApplication.application()
                .registerShutdownHook(false).run(devstackArguments(it));
                ConfigurableApplicationContext second = IngestApiApplication.application()
                        .properties(launcherProperties(it)).run()) {
            TestApi one = TestApi.onPort(port(first));
            TestApi two = TestApi.onPort(port(second));
            assertThat(port(first)).isNotEqualTo(port(second)).isNotEqualTo(8080);
            // set only in ingest-api.yml: both ways of starting read it
            assertThat(one.get("/actuator/prometheus").statusCode()).isEqualTo(200);
            assertThat(two.get("/actuator/health/readiness").statusCode()).isEqualTo(200);

            HttpResponse<String> accepted = one.submit("{\"type\": \"a\", \"payload\": {}}");
            assertThat(accepted.statusCode()).isEqualTo(202);
            assertThat(two.getAuthorized(accepted.headers().firstValue("Location").orElseThrow()).statusCode())
                    .isEqualTo(200);

            first.close();

            assertThat(two.submit("{\"type\": \"b\", \"payload\": {}}").statusCode()).isEqualTo(202);
            assertThat(two.get("/actuator/prometheus").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withoutAnAdminKeyItRefusesToStartWithOneClearMessage() {
        // a database of its own: the other test stores the admin key in the class's
        Map<String, Object> properties = launcherProperties(ItSupport.properties(NoKeyYet.class));
        properties.remove("TASKSTREAM_ADMIN_KEY");

        assertThatThrownBy(() -> IngestApiApplication.application().properties(properties).run())
                .hasMessageStartingWith("taskstream.ingest.admin-key is not set: set TASKSTREAM_ADMIN_KEY")
                .hasMessageContaining("the database holds no admin key yet");
    }

    /** Names the database of a deployment that never had an admin key. */
    private static final class NoKeyYet {
    }
}
