package io.taskstream.bench.suite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchSuiteTest {

    private static final Instant NOW = Instant.parse("2026-11-29T20:15:30Z");

    @Test
    void withoutArgumentsItRunsEveryScenarioInOrderIntoATimestampedDirectory() {
        BenchSuite.Options options = BenchSuite.parse(new String[] {}, NOW);
        assertThat(options.quick()).isFalse();
        assertThat(options.scenarios()).containsExactly("throughput-kafka", "throughput-rest", "latency", "delayed",
                "scaling");
        assertThat(options.out()).isEqualTo(Path.of("bench-results", "20261129-201530"));
        assertThat(options.partitions()).isEqualTo(12);
    }

    @Test
    void namedScenariosRunInTheCanonicalOrderOnce() {
        BenchSuite.Options options = BenchSuite.parse(new String[] {"scaling", "--quick", "latency", "scaling",
                "--out", "/tmp/x", "--partitions", "3"}, NOW);
        assertThat(options.partitions()).isEqualTo(3);
        assertThat(options.quick()).isTrue();
        assertThat(options.scenarios()).containsExactly("latency", "scaling");
        assertThat(options.out()).isEqualTo(Path.of("/tmp/x"));
    }

    @Test
    void anUnknownScenarioOrAMissingDirectoryIsExitCodeTwo() throws Exception {
        assertThatThrownBy(() -> BenchSuite.parse(new String[] {"speed"}, NOW))
                .hasMessageContaining("unknown scenario or option 'speed'").hasMessageContaining("throughput-kafka");
        assertThatThrownBy(() -> BenchSuite.parse(new String[] {"--out"}, NOW)).hasMessage("--out needs a directory");
        for (String[] wrong : new String[][] {{"--partitions"}, {"--partitions", "0"}, {"--partitions", "x"}}) {
            assertThatThrownBy(() -> BenchSuite.parse(wrong, NOW))
                    .hasMessage("--partitions needs a whole number from 1 to 64");
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = BenchSuite.run(new String[] {"--fast"}, Map.<String, String>of()::get,
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown scenario or option '--fast'");
    }

    @Test
    void theSuiteTakesEverythingButTheOlderSingleScenarios() {
        assertThat(BenchSuite.handles(new String[] {})).isTrue();
        assertThat(BenchSuite.handles(new String[] {"--quick"})).isTrue();
        assertThat(BenchSuite.handles(new String[] {"delayed"})).isTrue();
        assertThat(BenchSuite.handles(new String[] {"submit", "--rate", "10"})).isFalse();
        assertThat(BenchSuite.handles(new String[] {"schedules"})).isFalse();
    }

    @Test
    void quickIsSmallerThanFullEverywhere() {
        Sizes quick = Sizes.quick();
        Sizes full = Sizes.full();
        assertThat(full.throughput()).hasSeconds(60);
        assertThat(full.pending()).isEqualTo(1_000_000);
        assertThat(full.burstRate()).isEqualTo(10_000);
        assertThat(full.submitRate()).isEqualTo(1_000);
        assertThat(full.slots()).isEqualTo(100);
        assertThat(full.scalingWorkers()).isEqualTo(3);
        assertThat(quick.throughput()).isLessThan(full.throughput());
        assertThat(quick.pending()).isLessThan(full.pending());
        assertThat(quick.jitWarmup()).isLessThan(full.jitWarmup());
    }

    @Test
    void aDeploymentNamedByTheEnvironmentNeedsAllItsEndpoints() {
        assertThatThrownBy(() -> Deployment.external(Map.of("TASKSTREAM_API_URL", "http://api:8080")::get,
                "http://api:8080")).hasMessage("TASKSTREAM_API_URL is set, so the bench measures that deployment; it "
                        + "also needs TASKSTREAM_ADMIN_KEY, TASKSTREAM_KAFKA_BOOTSTRAP, TASKSTREAM_DB_URL, "
                        + "TASKSTREAM_REDIS_URL");
        Deployment.Endpoints endpoints = Deployment.external(Map.of("TASKSTREAM_API_URL", "http://api:8080/",
                "TASKSTREAM_ADMIN_KEY", "ts_a_b", "TASKSTREAM_KAFKA_BOOTSTRAP", "k:9092",
                "TASKSTREAM_DB_URL", "jdbc:postgresql://db/x", "TASKSTREAM_REDIS_URL", "redis://r")::get,
                "http://api:8080/");
        assertThat(endpoints).isEqualTo(new Deployment.Endpoints("http://api:8080", "ts_a_b", "k:9092",
                "jdbc:postgresql://db/x", "postgres", "", "redis://r"));
    }

    @Test
    void runnableJarsAreFoundWhereTheBuildLeavesThem(@TempDir Path root) throws Exception {
        Path target = Files.createDirectories(root.resolve("worker/target"));
        Files.createFile(target.resolve("worker-0.1.0-SNAPSHOT.jar"));
        Path jar = Files.createFile(target.resolve("worker-0.1.0-SNAPSHOT-exec.jar"));
        assertThat(Deployment.Launch.runnableJar(root, "worker", "worker")).isEqualTo(jar);
        assertThatThrownBy(() -> Deployment.Launch.runnableJar(root, "infra/devstack", "devstack"))
                .hasMessageContaining("no runnable jar of infra/devstack").hasMessageContaining("build it first");
        Files.createDirectories(root.resolve("infra/devstack/target"));
        assertThatThrownBy(() -> Deployment.Launch.runnableJar(root, "infra/devstack", "devstack"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aBatchBodyHoldsTheGivenNumberOfNoOpTasksAndAnswersAreCounted() {
        String body = ThroughputRest.batch(3);
        assertThat(body).isEqualTo("{\"tasks\":[{\"type\":\"noop\",\"payload\":{}},{\"type\":\"noop\",\"payload\":{}},"
                + "{\"type\":\"noop\",\"payload\":{}}]}");
        assertThat(ThroughputRest.count("{\"status\":202},{\"status\":200},{\"status\":202}", "\"status\":202"))
                .isEqualTo(2);
        assertThat(ThroughputRest.count("", "x")).isZero();
    }
}
