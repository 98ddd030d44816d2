package io.taskstream.devstack.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The alert rules of {@code infra/prometheus/} are what Prometheus accepts and do what their unit
 * tests say: {@code promtool check config}, {@code check rules} and {@code test rules} on the real
 * files, failing with promtool's own output. Those three skip when {@code promtool} is not on the
 * {@code PATH} (Debian and Ubuntu: {@code apt-get install prometheus}; CI installs it); the checks of
 * the files' shape — every alert has a severity, a runbook that exists and unit tests that fire it and
 * keep it quiet — need no promtool.
 */
class PrometheusRulesTest {

    static final String RUNBOOK_BASE = "https://github.com/taskstream/taskstream/blob/main/docs/runbooks/";
    private static final Path ROOT = repositoryRoot();
    private static final Path PROMETHEUS = ROOT.resolve("infra/prometheus");

    @Test
    void theConfigAndTheRuleFilesItLoadsAreValid() throws Exception {
        promtool("check", "config", "prometheus.yml");
    }

    @Test
    void everyRuleFileIsValid() throws Exception {
        promtool(Stream.concat(Stream.of("check", "rules"), relative(ruleFiles())).toArray(String[]::new));
    }

    @Test
    void everyAlertFiresAndStaysQuietAsItsUnitTestsSay() throws Exception {
        promtool(Stream.concat(Stream.of("test", "rules"), relative(testFiles())).toArray(String[]::new));
    }

    @Test
    void everyAlertHasASeverityADescriptionAndARunbookThatExists() {
        List<Map<String, Object>> alerts = alerts();
        assertThat(alerts).as("alerting rules in %s", PROMETHEUS.resolve("rules")).isNotEmpty();
        for (Map<String, Object> alert : alerts) {
            String name = (String) alert.get("alert");
            Map<?, ?> labels = (Map<?, ?>) alert.get("labels");
            Map<?, ?> annotations = (Map<?, ?>) alert.get("annotations");
            assertThat(alert).as(name).containsKey("for");
            assertThat(labels.get("severity")).as("%s severity", name).isIn("page", "ticket");
            assertThat(annotations.get("summary")).as("%s summary", name).isNotNull();
            assertThat((String) annotations.get("description")).as("%s description", name).containsPattern(
                    "\\{\\{ \\$(value|labels)");
            String runbook = kebab(name) + ".md";
            assertThat(annotations.get("runbook_url")).as("%s runbook_url", name).isEqualTo(RUNBOOK_BASE + runbook);
            assertThat(ROOT.resolve("docs/runbooks").resolve(runbook)).as("%s runbook", name).isRegularFile();
        }
    }

    @Test
    void everyAlertHasAUnitTestThatFiresItAndOneThatDoesNot() {
        List<String> fired = new ArrayList<>();
        List<String> quiet = new ArrayList<>();
        for (Path file : testFiles()) {
            for (Object test : list(load(file).get("tests"))) {
                for (Object check : list(((Map<?, ?>) test).get("alert_rule_test"))) {
                    Map<?, ?> expectation = (Map<?, ?>) check;
                    String name = (String) expectation.get("alertname");
                    (list(expectation.get("exp_alerts")).isEmpty() ? quiet : fired).add(name);
                }
            }
        }
        for (Map<String, Object> alert : alerts()) {
            String name = (String) alert.get("alert");
            assertThat(fired).as("a unit test in %s that fires %s", PROMETHEUS.resolve("tests"), name).contains(name);
            assertThat(quiet).as("a unit test in %s where %s must not fire", PROMETHEUS.resolve("tests"), name)
                    .contains(name);
        }
    }

    /** {@code QueueDepthHigh} → {@code queue-depth-high}. */
    static String kebab(String alertName) {
        return alertName.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    /** Runs promtool in {@code infra/prometheus/} (where the files name each other relatively); fails with its output. */
    private static void promtool(String... arguments) throws IOException, InterruptedException {
        Optional<Path> promtool = onPath("promtool");
        assumeTrue(promtool.isPresent(), "promtool is not on the PATH, so the Prometheus rules are not checked here "
                + "(install it: apt-get install prometheus, or a release from prometheus.io/download)");
        List<String> command = new ArrayList<>(List.of(promtool.get().toString()));
        command.addAll(List.of(arguments));
        Path output = Files.createTempFile("promtool", ".txt");
        try {
            Process process = new ProcessBuilder(command).directory(PROMETHEUS.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            boolean exited = process.waitFor(2, TimeUnit.MINUTES);
            if (!exited) {
                process.destroyForcibly();
            }
            String said = Files.readString(output, StandardCharsets.UTF_8);
            assertThat(exited).as("%s did not finish within 2 minutes:%n%s", String.join(" ", command), said).isTrue();
            assertThat(process.exitValue()).as("%s (in %s) failed:%n%s", String.join(" ", command), PROMETHEUS, said)
                    .isZero();
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static Optional<Path> onPath(String program) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        return Stream.of(path.split(File.pathSeparator)).filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, program)).filter(Files::isExecutable).findFirst();
    }

    private static List<Map<String, Object>> alerts() {
        List<Map<String, Object>> alerts = new ArrayList<>();
        for (Path file : ruleFiles()) {
            for (Object group : list(load(file).get("groups"))) {
                for (Object rule : list(((Map<?, ?>) group).get("rules"))) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> entry = (Map<String, Object>) rule;
                    if (entry.containsKey("alert")) {
                        alerts.add(entry);
                    }
                }
            }
        }
        return alerts;
    }

    private static List<Path> ruleFiles() {
        return files(PROMETHEUS.resolve("rules"), ".yml");
    }

    private static List<Path> testFiles() {
        return files(PROMETHEUS.resolve("tests"), ".test.yml");
    }

    private static List<Path> files(Path dir, String suffix) {
        try (Stream<Path> entries = Files.list(dir)) {
            List<Path> files = entries.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
            assertThat(files).as("*%s files in %s", suffix, dir).isNotEmpty();
            return files;
        } catch (IOException e) {
            throw new AssertionError("cannot list " + dir, e);
        }
    }

    private static Stream<String> relative(List<Path> files) {
        return files.stream().map(f -> PROMETHEUS.relativize(f).toString());
    }

    private static Map<?, ?> load(Path file) {
        try {
            Map<?, ?> document = new Yaml().load(Files.readString(file));
            return document == null ? Map.of() : document;
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
    }

    private static List<?> list(Object value) {
        return value instanceof List<?> list ? list : List.of();
    }

    /** The first directory from the working directory (the module's, under Maven) up that holds {@code infra/prometheus}. */
    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("infra/prometheus"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no directory holding infra/prometheus above " + Path.of("").toAbsolutePath());
    }
}
