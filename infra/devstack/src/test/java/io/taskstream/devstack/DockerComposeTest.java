package io.taskstream.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.yaml.snakeyaml.Yaml;

/**
 * No Docker engine runs here, so {@code docker-compose.yml} is checked as data: every
 * {@code TASKSTREAM_*} variable a service is given is one its configuration reads, and every
 * variable its configuration requires (a placeholder without a default) is given.
 */
class DockerComposeTest {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(TASKSTREAM_[A-Z0-9_]+)(:?)");

    @ParameterizedTest(name = "{0} reads {1}")
    @CsvSource({"ingest-api, ingest-api.yml, ingest-api", "scheduler, scheduler-streams.yml, scheduler-streams",
            "worker, worker.yml, worker"})
    void everyServiceGetsExactlyTheVariablesItsConfigurationReads(String service, String configFile, String module)
            throws IOException {
        Map<String, Object> compose = compose();
        @SuppressWarnings("unchecked")
        Map<String, Object> definition = (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get(service);
        assertThat(definition).as(service).isNotNull();
        @SuppressWarnings("unchecked")
        Map<String, Object> environment = (Map<String, Object>) definition.get("environment");
        Set<String> given = new TreeSet<>();
        environment.keySet().stream().filter(k -> k.startsWith("TASKSTREAM_")).forEach(given::add);

        String config = resource(configFile);
        Set<String> read = new TreeSet<>();
        Set<String> required = new TreeSet<>();
        Matcher m = PLACEHOLDER.matcher(config);
        while (m.find()) {
            read.add(m.group(1));
            if (m.group(2).isEmpty()) {
                required.add(m.group(1));
            }
        }
        assertThat(read).as("%s reads TASKSTREAM_* variables", configFile).isNotEmpty();
        assertThat(read).as("variables %s is given but its configuration does not read", service).containsAll(given);
        assertThat(given).as("variables %s requires", service).containsAll(required);
        assertThat(given).as("every service needs Kafka").contains("TASKSTREAM_KAFKA_BOOTSTRAP");

        @SuppressWarnings("unchecked")
        Map<String, Object> build = (Map<String, Object>) definition.get("build");
        assertThat(build.get("args")).isEqualTo(Map.of("MODULE", module));
        assertThat(Files.isDirectory(root().resolve(module))).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"kafka", "postgres", "redis", "prometheus", "grafana", "jaeger"})
    void theInfrastructureServicesAreThere(String service) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> services = (Map<String, Object>) compose().get("services");
        assertThat(services).containsKey(service);
        assertThat(Files.exists(root().resolve("Dockerfile"))).isTrue();
        assertThat(Files.readString(root().resolve("Dockerfile"))).contains("USER taskstream");
    }

    private static Map<String, Object> compose() throws IOException {
        return new Yaml().load(Files.readString(root().resolve("docker-compose.yml")));
    }

    private static Path root() {
        return Path.of(System.getProperty("user.dir")).resolve("../..").normalize();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = DockerComposeTest.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name + " on the class path").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
