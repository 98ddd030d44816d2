package io.taskstream.devstack.observability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.yaml.snakeyaml.Yaml;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operator files of the repository as data: the Grafana dashboards under
 * {@code infra/grafana/dashboards/} and the Prometheus rule files under {@code infra/prometheus/rules/},
 * with every PromQL expression they hold.
 */
final class OperatorFiles {

    static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("../..").normalize();
    static final Path DASHBOARDS = ROOT.resolve("infra/grafana/dashboards");
    static final Path RULES = ROOT.resolve("infra/prometheus/rules");

    private OperatorFiles() {
    }

    /** A dashboard file and its parsed JSON. */
    record Dashboard(Path file, JsonNode json) {

        String name() {
            return file.getFileName().toString();
        }

        /** Every panel, those nested in rows included. */
        List<JsonNode> panels() {
            List<JsonNode> all = new ArrayList<>();
            for (JsonNode panel : json.path("panels")) {
                all.add(panel);
                panel.path("panels").forEach(all::add);
            }
            return all;
        }

        List<String> exprs() {
            List<String> exprs = new ArrayList<>();
            for (JsonNode panel : panels()) {
                for (JsonNode target : panel.path("targets")) {
                    if (target.path("expr").isString()) {
                        exprs.add(target.get("expr").asString());
                    }
                }
            }
            return exprs;
        }
    }

    /** One PromQL expression of a rule file: an alert's or a recording rule's. */
    record Rule(Path file, String name, String expr, boolean recording) {
    }

    static List<Dashboard> dashboards() {
        JsonMapper mapper = JsonMapper.builder().build();
        return files(DASHBOARDS, ".json").stream()
                .map(file -> new Dashboard(file, mapper.readTree(read(file))))
                .toList();
    }

    static List<Rule> rules() {
        List<Rule> rules = new ArrayList<>();
        for (Path file : files(RULES, ".yml", ".yaml")) {
            Map<String, Object> document = new Yaml().load(read(file));
            for (Object group : list(document == null ? null : document.get("groups"))) {
                for (Object entry : list(((Map<?, ?>) group).get("rules"))) {
                    Map<?, ?> rule = (Map<?, ?>) entry;
                    boolean recording = rule.containsKey("record");
                    String name = String.valueOf(recording ? rule.get("record") : rule.get("alert"));
                    rules.add(new Rule(file, name, String.valueOf(rule.get("expr")), recording));
                }
            }
        }
        return rules;
    }

    /** The series a dashboard or alert reads that Prometheus makes itself or the rules record. */
    static Set<String> notExportedByServices(List<Rule> rules) {
        Set<String> names = new TreeSet<>(Set.of("up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds",
                "scrape_samples_scraped", "scrape_series_added"));
        rules.stream().filter(Rule::recording).map(Rule::name).forEach(names::add);
        return names;
    }

    private static List<?> list(Object value) {
        return value instanceof List<?> list ? list : List.of();
    }

    private static List<Path> files(Path dir, String... suffixes) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(f -> Stream.of(suffixes).anyMatch(s -> f.getFileName().toString().endsWith(s)))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
