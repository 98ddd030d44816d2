package io.taskstream.bench.suite;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.taskstream.schemas.Json;
import tools.jackson.databind.JsonNode;

/**
 * CI's smoke test of the benchmark: {@code ./taskstream bench --quick} — every scenario, tiny — against the
 * real runnable jars of the devstack and the worker (built before this module), in this JVM. It asserts
 * what the quick run promises: it completes, writes its three reports, and every task is accounted for
 * (none lost, none run twice); timings are never asserted. With {@code TASKSTREAM_TEST_DB_URL} /
 * {@code _REDIS_URL} set (CI's second pass) the devstack uses those servers.
 */
class BenchSuiteIT {

    @Test
    void theQuickBenchRunsEveryScenarioAccountsForEveryTaskAndWritesItsReports(@TempDir Path dir) throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).resolve("../..").normalize();
        Deployment.Launch built = Deployment.Launch.fromSystemProperties(root);
        System.setProperty("taskstream.bench.devstack-jar", built.devstackJar().toString());
        System.setProperty("taskstream.bench.worker-jar", built.workerJar().toString());
        System.setProperty("taskstream.bench.jvm-options", "--enable-native-access=ALL-UNNAMED");
        Map<String, String> env = new HashMap<>();
        copy("TASKSTREAM_TEST_DB_URL", "TASKSTREAM_DB_URL", env);
        copy("TASKSTREAM_TEST_DB_USER", "TASKSTREAM_DB_USER", env);
        copy("TASKSTREAM_TEST_REDIS_URL", "TASKSTREAM_REDIS_URL", env);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path reports = dir.resolve("bench");

        int exit = BenchSuite.run(new String[] {"--quick", "--out", reports.toString()}, env::get,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as("exit code; printed:%n%s%nerrors:%n%s", printed, err).isZero();
        assertThat(reports.resolve("report.md")).isNotEmptyFile();
        assertThat(Files.readString(reports.resolve("report.html"))).contains("<svg");
        JsonNode report = Json.mapper().readTree(reports.resolve("report.json").toFile());
        JsonNode tasks = report.get("tasks");
        assertThat(tasks.get("lost").asLong()).isZero();
        assertThat(tasks.get("duplicated").asLong()).isZero();
        assertThat(tasks.get("completed").asLong()).isPositive()
                .isEqualTo(tasks.get("submitted").asLong() - tasks.get("pending").asLong());
        assertThat(report.get("scenarios")).hasSize(5);
        assertThat(report.at("/throughput/kafka/tasksPerSec").asDouble()).isPositive();
        assertThat(report.at("/throughput/rest/tasksPerSec").asDouble()).isPositive();
        assertThat(report.at("/latency/start/count").asLong()).isPositive();
        assertThat(report.at("/latency/submit/count").asLong()).isEqualTo(200);
        assertThat(report.at("/delayed/pending").asLong()).isEqualTo(Sizes.quick().pending());
        assertThat(report.at("/delayed/fireLateness/count").asLong()).isEqualTo(Sizes.quick().burst());
        assertThat(report.at("/delayed/heapMb").asDouble()).isPositive();
        assertThat(report.get("scaling")).hasSize(2);
        assertThat(report.at("/scaling/1/workers").asInt()).isEqualTo(2);
        assertThat(report.at("/scaling/0/tasksPerSec").asDouble()).isPositive();
        assertThat(report.get("targets")).hasSizeGreaterThanOrEqualTo(8);
        assertThat(report.get("processes").valueStream().map(p -> p.get("name").asString()))
                .contains("bench", "devstack", "worker-1", "worker-2", "postgres");
        assertThat(printed).contains("bench: wrote " + reports);
    }

    private static void copy(String from, String to, Map<String, String> env) {
        String value = System.getenv(from);
        if (value != null && !value.isBlank()) {
            env.put(to, value);
        }
    }
}
