package io.taskstream.devstack.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

import io.taskstream.devstack.observability.OperatorFiles.Dashboard;
import tools.jackson.databind.JsonNode;

/**
 * The Grafana dashboards as data, since no Grafana runs here. Grafana publishes no JSON Schema of the
 * classic dashboard model in any package this build can fetch (the kind is defined in CUE;
 * {@code @grafana/schema} ships TypeScript types), so the rules are written out: the property names
 * below are those the dashboard kind allows ({@code Dashboard}, {@code Panel}, {@code FieldConfig}),
 * plus this project's conventions — a {@code taskstream} tag, schema version 39 (loaded by Grafana 11
 * and 12), one {@code datasource} variable that every panel and query uses, panels on the 24-column
 * grid without overlaps, units Grafana knows, and PromQL whose brackets balance. Whether the metrics
 * exist is {@link ObservabilityIT}'s question.
 */
class DashboardsTest {

    static final Set<String> DASHBOARD_PROPERTIES = Set.of("id", "uid", "title", "description", "revision",
            "gnetId", "tags", "timezone", "editable", "graphTooltip", "time", "timepicker", "fiscalYearStartMonth",
            "liveNow", "weekStart", "refresh", "schemaVersion", "version", "panels", "templating", "annotations",
            "links", "snapshot");
    static final Set<String> PANEL_PROPERTIES = Set.of("type", "id", "pluginVersion", "tags", "targets", "title",
            "description", "transparent", "datasource", "gridPos", "links", "repeat", "repeatDirection", "maxPerRow",
            "maxDataPoints", "transformations", "interval", "timeFrom", "timeShift", "hideTimeOverride",
            "libraryPanel", "options", "fieldConfig");
    static final Set<String> FIELD_CONFIG_PROPERTIES = Set.of("displayName", "displayNameFromDS", "description",
            "path", "writeable", "filterable", "unit", "decimals", "min", "max", "mappings", "thresholds", "color",
            "links", "noValue", "custom");
    static final Set<String> PANEL_TYPES = Set.of("timeseries", "stat", "gauge");
    static final Set<String> UNITS = Set.of("s", "ms", "ops", "reqps", "short", "percentunit", "bytes", "none");
    static final Map<String, String> DATASOURCE = Map.of("type", "prometheus", "uid", "${datasource}");
    static final int SCHEMA_VERSION = 39;

    static Stream<Dashboard> dashboards() {
        return OperatorFiles.dashboards().stream();
    }

    @Test
    void theFiveDashboardsAreThereWithTheirOwnUidsAndTitles() {
        List<Dashboard> all = OperatorFiles.dashboards();
        assertThat(all).extracting(Dashboard::name).containsExactlyInAnyOrder("system-health.json",
                "task-processing.json", "queues.json", "workers.json", "errors-dlq.json");
        assertThat(all).extracting(d -> d.json().path("uid").asString()).doesNotHaveDuplicates();
        assertThat(all).extracting(d -> d.json().path("title").asString()).doesNotHaveDuplicates();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    void hasTheDashboardFieldsGrafanaAndTheProjectExpect(Dashboard dashboard) {
        JsonNode json = dashboard.json();
        assertThat(json.propertyNames()).as("dashboard properties").isSubsetOf(DASHBOARD_PROPERTIES);
        assertThat(json.path("uid").asString()).matches("taskstream-[a-z0-9-]{1,29}");
        assertThat(json.path("title").asString()).startsWith("Taskstream / ");
        assertThat(json.path("tags").valueStream().map(JsonNode::asString)).contains("taskstream");
        assertThat(json.path("schemaVersion").isInt()).isTrue();
        assertThat(json.path("schemaVersion").asInt()).isEqualTo(SCHEMA_VERSION);
        assertThat(json.path("time").path("from").asString()).startsWith("now-");
        assertThat(json.path("time").path("to").asString()).isEqualTo("now");
        assertThat(json.path("refresh").asString()).matches("[0-9]+[smh]");
        assertThat(json.path("annotations").isObject()).as("annotations (required)").isTrue();

        List<JsonNode> variables = new ArrayList<>();
        json.path("templating").path("list").forEach(variables::add);
        assertThat(variables).as("template variables").hasSize(1);
        JsonNode variable = variables.getFirst();
        assertThat(variable.path("name").asString()).isEqualTo("datasource");
        assertThat(variable.path("type").asString()).isEqualTo("datasource");
        assertThat(variable.path("query").asString()).isEqualTo("prometheus");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    void panelsHaveUniqueIdsAndSitOnTheGridWithoutOverlapping(Dashboard dashboard) {
        List<JsonNode> panels = dashboard.panels();
        assertThat(panels).isNotEmpty();
        Set<Integer> ids = new HashSet<>();
        Set<String> cells = new HashSet<>();
        for (JsonNode panel : panels) {
            String name = dashboard.name() + " panel " + panel.path("title").asString();
            assertThat(panel.propertyNames()).as(name).isSubsetOf(PANEL_PROPERTIES);
            assertThat(panel.path("type").asString()).as(name).isIn(PANEL_TYPES);
            assertThat(panel.path("title").asString()).as(name).isNotBlank();
            assertThat(panel.path("id").isInt()).as(name + " id").isTrue();
            assertThat(ids.add(panel.path("id").asInt())).as(name + " id is unique").isTrue();

            JsonNode grid = panel.path("gridPos");
            int x = grid.path("x").asInt(-1);
            int y = grid.path("y").asInt(-1);
            int w = grid.path("w").asInt(0);
            int h = grid.path("h").asInt(0);
            assertThat(x).as(name + " x").isBetween(0, 23);
            assertThat(y).as(name + " y").isNotNegative();
            assertThat(w).as(name + " w").isBetween(1, 24);
            assertThat(h).as(name + " h").isPositive();
            assertThat(x + w).as(name + " right edge").isLessThanOrEqualTo(24);
            for (int col = x; col < x + w; col++) {
                for (int row = y; row < y + h; row++) {
                    assertThat(cells.add(col + "," + row)).as(name + " overlaps another panel at " + col + "," + row)
                            .isTrue();
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    void panelsHaveAUnitAndQueriesWithRefIdAndBalancedPromQl(Dashboard dashboard) {
        for (JsonNode panel : dashboard.panels()) {
            String name = dashboard.name() + " panel " + panel.path("title").asString();
            JsonNode fieldConfig = panel.path("fieldConfig");
            assertThat(fieldConfig.has("defaults") && fieldConfig.has("overrides")).as(name + " fieldConfig").isTrue();
            assertThat(fieldConfig.path("defaults").propertyNames()).as(name).isSubsetOf(FIELD_CONFIG_PROPERTIES);
            assertThat(fieldConfig.path("defaults").path("unit").asString()).as(name + " unit").isIn(UNITS);

            List<JsonNode> targets = new ArrayList<>();
            panel.path("targets").forEach(targets::add);
            assertThat(targets).as(name + " targets").isNotEmpty();
            assertThat(targets).extracting(t -> t.path("refId").asString()).as(name + " refIds")
                    .doesNotHaveDuplicates().allSatisfy(ref -> assertThat(ref).isNotBlank());
            for (JsonNode target : targets) {
                String expr = target.path("expr").asString();
                assertThat(expr).as(name + " expr").isNotBlank();
                assertThat(PromQl.unbalanced(expr)).as(name + ": " + expr).isEmpty();
                assertThat(PromQl.metricNames(expr)).as(name + " reads a metric: " + expr).isNotEmpty();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    void everyPanelAndQueryUsesTheDatasourceVariable(Dashboard dashboard) {
        for (JsonNode panel : dashboard.panels()) {
            String name = dashboard.name() + " panel " + panel.path("title").asString();
            assertThat(panel.has("datasource")).as(name).isTrue();
            panel.path("targets").forEach(t -> assertThat(t.has("datasource")).as(name + " query " + t.path("refId")
                    .asString()).isTrue());
        }
        List<JsonNode> references = new ArrayList<>();
        collectDatasources(dashboard.json(), references);
        assertThat(references).isNotEmpty().allSatisfy(ref -> {
            assertThat(ref.path("type").asString()).isEqualTo(DATASOURCE.get("type"));
            assertThat(ref.path("uid").asString()).isEqualTo(DATASOURCE.get("uid"));
        });
    }

    @Test
    void grafanaLoadsTheDashboardsFromWhereDockerComposeMountsThem() throws IOException {
        Map<String, Object> compose = yaml("docker-compose.yml");
        Map<?, ?> grafana = (Map<?, ?>) ((Map<?, ?>) compose.get("services")).get("grafana");
        String mount = ((List<?>) grafana.get("volumes")).stream().map(String::valueOf)
                .filter(v -> v.startsWith("./infra/grafana/dashboards:")).findFirst().orElseThrow();
        String containerPath = mount.split(":")[1];

        Map<String, Object> provisioning = yaml("infra/grafana/provisioning/dashboards/taskstream.yml");
        Map<?, ?> provider = (Map<?, ?>) ((List<?>) provisioning.get("providers")).getFirst();
        assertThat(provider.get("type")).isEqualTo("file");
        assertThat(((Map<?, ?>) provider.get("options")).get("path")).isEqualTo(containerPath);

        Map<String, Object> datasources = yaml("infra/grafana/provisioning/datasources/prometheus.yml");
        Map<?, ?> prometheus = (Map<?, ?>) ((List<?>) datasources.get("datasources")).getFirst();
        assertThat(prometheus.get("type")).isEqualTo("prometheus");
        for (Dashboard dashboard : OperatorFiles.dashboards()) {
            JsonNode current = dashboard.json().path("templating").path("list").get(0).path("current");
            assertThat(current.path("value").asString()).as(dashboard.name() + " starts on the provisioned data source")
                    .isEqualTo(prometheus.get("uid"));
        }
    }

    private static void collectDatasources(JsonNode node, List<JsonNode> into) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> property : node.properties()) {
                if (property.getKey().equals("datasource") && property.getValue().isObject()) {
                    into.add(property.getValue());
                } else if (property.getKey().equals("datasource")) {
                    into.add(property.getValue()); // a bare name or null: fails the check above, as it should
                } else {
                    collectDatasources(property.getValue(), into);
                }
            }
        } else if (node.isArray()) {
            node.forEach(child -> collectDatasources(child, into));
        }
    }

    private static Map<String, Object> yaml(String file) throws IOException {
        return new Yaml().load(Files.readString(OperatorFiles.ROOT.resolve(file)));
    }
}
