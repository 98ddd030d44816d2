package io.taskstream.ingest.openapi;

import static io.taskstream.ingest.TestApi.assertProblem;
import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.networknt.schema.Error;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import io.taskstream.ingest.IngestApiApplication;
import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.TestApi;
import io.taskstream.schemas.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAPI document as the running API serves it: open without a key (with Swagger UI), complete for
 * every {@code /api/v1} operation, its examples valid against its schemas, and equal to the committed
 * {@code docs/openapi.json}. Regenerate that file with {@value #REGENERATE}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + IngestApiApplication.CONFIG_NAME)
class OpenApiIT {

    static final String REGENERATE = "./mvnw -B -pl ingest-api verify -DskipUnitTests -Djacoco.skip=true "
            + "-Dit.test=OpenApiIT -Dopenapi.write=true";
    static final String SCHEMAS = "#/components/schemas/";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(OpenApiIT.class, registry);
    }

    @LocalServerPort
    int port;

    TestApi api;

    @BeforeEach
    void setUp() {
        api = TestApi.onPort(port);
    }

    private JsonNode spec() {
        HttpResponse<String> response = api.get("/v3/api-docs");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    @Test
    void theSpecAndSwaggerUiAnswerWithoutAKey() {
        HttpResponse<String> spec = api.get("/v3/api-docs");
        assertThat(spec.statusCode()).isEqualTo(200);
        assertThat(spec.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertThat(json(spec).get("openapi").asString()).startsWith("3.1");

        HttpResponse<String> entry = api.get("/swagger-ui.html");
        assertThat(entry.statusCode()).isEqualTo(302);
        assertThat(entry.headers().firstValue("Location")).hasValueSatisfying(
                location -> assertThat(location).endsWith("/swagger-ui/index.html"));

        HttpResponse<String> page = api.get("/swagger-ui/index.html");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/html"));
        assertThat(page.body()).contains("swagger-ui-bundle.js", "swagger-initializer.js");

        // the assets the page loads, and the configuration that points it at the spec
        for (String asset : List.of("/swagger-ui/swagger-ui-bundle.js", "/swagger-ui/swagger-ui.css",
                "/swagger-ui/swagger-initializer.js")) {
            HttpResponse<String> response = api.get(asset);
            assertThat(response.statusCode()).as(asset).isEqualTo(200);
            assertThat(response.body()).as(asset).isNotBlank();
        }
        HttpResponse<String> config = api.get("/v3/api-docs/swagger-config");
        assertThat(config.statusCode()).isEqualTo(200);
        assertThat(json(config).get("url").asString()).isEqualTo("/v3/api-docs");
    }

    @Test
    void theApiStillNeedsAKey() {
        String path = "/api/v1/tasks/" + UUID.randomUUID();

        assertProblem(api.get(path), 401, "unauthenticated");
        assertProblem(api.get(path, "Authorization", "Bearer ts_it_not-a-key-of-this-deployment-0000"), 401,
                "unauthenticated");
        assertProblem(api.getAuthorized(path), 404, "not_found");
        // a missing asset under the UI's path is an ordinary problem, not a login wall
        assertProblem(api.get("/swagger-ui/no-such-asset.js"), 404, "not_found");
    }

    @Test
    void onlyTheApiIsDocumentedBehindBothKindsOfKey() {
        JsonNode spec = spec();

        assertThat(spec.get("paths").propertyNames()).isNotEmpty()
                .allSatisfy(path -> assertThat(path).startsWith("/api/v1/"));
        assertThat(spec.get("servers")).hasSize(1);
        assertThat(spec.at("/servers/0/url").asString()).isEqualTo("/");
        assertThat(spec.at("/info/title").asString()).isEqualTo("Taskstream API");
        assertThat(spec.at("/info/version").asString()).isNotBlank().isNotEqualTo("unknown");
        assertThat(spec.at("/info/description").asString()).contains("docs/api.md");
        assertThat(spec.at("/components/securitySchemes/" + ApiDocumentation.BEARER + "/scheme").asString())
                .isEqualTo("bearer");
        assertThat(spec.at("/components/securitySchemes/" + ApiDocumentation.API_KEY + "/name").asString())
                .isEqualTo("X-API-Key");
        assertThat(spec.at("/components/securitySchemes/" + ApiDocumentation.API_KEY + "/in").asString())
                .isEqualTo("header");
    }

    /** What every operation of the served spec must have; all gaps are reported at once. */
    @Test
    void everyOperationHasASummaryASuccessExampleAndItsErrors() {
        JsonNode spec = spec();
        List<String> gaps = new ArrayList<>();
        forEachOperation(spec, (name, operation) -> {
            if (text(operation, "summary").isBlank()) {
                gaps.add(name + ": no summary");
            }
            if (text(operation, "operationId").isBlank()) {
                gaps.add(name + ": no operationId");
            }
            JsonNode security = operation.get("security");
            if (security == null || security.size() != 2
                    || !security.get(0).has(ApiDocumentation.BEARER) || !security.get(1).has(ApiDocumentation.API_KEY)) {
                gaps.add(name + ": not behind " + ApiDocumentation.BEARER + " or " + ApiDocumentation.API_KEY);
            }
            JsonNode responses = operation.path("responses");
            List<String> successes = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            for (String status : responses.propertyNames()) {
                (status.startsWith("2") ? successes : errors).add(status);
            }
            if (successes.isEmpty()) {
                gaps.add(name + ": no success answer");
            }
            for (String status : successes) {
                JsonNode content = responses.get(status).get("content");
                if (content == null) {
                    if (!status.equals("204")) {
                        gaps.add(name + ": " + status + " has no body, so no example");
                    }
                    continue;
                }
                content.properties().forEach(media -> {
                    if (!media.getValue().has("example") && !media.getValue().has("examples")) {
                        gaps.add(name + ": " + status + " " + media.getKey() + " has no example");
                    }
                    if (!media.getValue().has("schema")) {
                        gaps.add(name + ": " + status + " " + media.getKey() + " has no schema");
                    }
                });
            }
            if (errors.isEmpty()) {
                gaps.add(name + ": no documented error");
            }
            for (String status : errors) {
                JsonNode problem = responses.get(status).path("content").path("application/problem+json");
                if (!problem.path("schema").path("$ref").asString("").equals(SCHEMAS + ComponentSchemas.PROBLEM)) {
                    gaps.add(name + ": " + status + " is not an application/problem+json Problem");
                }
                if (problem.path("examples").isEmpty()) {
                    gaps.add(name + ": " + status + " names no code");
                }
                for (String code : problem.path("examples").propertyNames()) {
                    JsonNode example = resolve(spec, problem.get("examples").get(code)).path("value");
                    if (!example.path("code").asString("").equals(code)
                            || !Integer.toString(example.path("status").asInt()).equals(status)) {
                        gaps.add(name + ": " + status + " example " + code + " is not a " + status + " " + code);
                    }
                }
            }
            JsonNode body = operation.get("requestBody");
            if (body != null) {
                body.path("content").properties().forEach(media -> {
                    if (media.getValue().path("examples").isEmpty() && !media.getValue().has("example")) {
                        gaps.add(name + ": request " + media.getKey() + " has no example");
                    }
                });
            }
        });
        assertThat(gaps).as("operations documented incompletely; add or complete their entry in "
                + "ApiDocumentation.OPERATIONS").isEmpty();
    }

    /**
     * Every example validates against the schema next to it. The generated schemas say nothing about
     * nullability, so {@code null} passes anywhere; an object may not have a member its schema does not
     * list, so an example cannot show a field the API does not have.
     */
    @Test
    void everyExampleMatchesItsSchema() {
        JsonNode spec = spec();
        ObjectNode definitions = (ObjectNode) strict(spec.path("components").path("schemas"));
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        List<String> mismatches = new ArrayList<>();
        int[] checked = {0};
        forEachOperation(spec, (name, operation) -> {
            List<Map.Entry<String, JsonNode>> media = new ArrayList<>();
            operation.path("requestBody").path("content").properties()
                    .forEach(m -> media.add(Map.entry(name + " request " + m.getKey(), m.getValue())));
            operation.path("responses").properties().forEach(r -> r.getValue().path("content").properties()
                    .forEach(m -> media.add(Map.entry(name + " " + r.getKey() + " " + m.getKey(), m.getValue()))));
            for (Map.Entry<String, JsonNode> entry : media) {
                JsonNode schemaNode = entry.getValue().get("schema");
                if (schemaNode == null) {
                    continue;
                }
                ObjectNode schema = ((ObjectNode) strict(schemaNode)).deepCopy();
                schema.put("$schema", "https://json-schema.org/draft/2020-12/schema");
                schema.set("$defs", definitions);
                var validator = registry.getSchema(schema.toString().replace(SCHEMAS, "#/$defs/"));
                List<JsonNode> examples = new ArrayList<>();
                if (entry.getValue().has("example")) {
                    examples.add(entry.getValue().get("example"));
                }
                entry.getValue().path("examples").values().forEach(e -> examples.add(resolve(spec, e).get("value")));
                for (JsonNode example : examples) {
                    checked[0]++;
                    for (Error error : validator.validate(example)) {
                        mismatches.add(entry.getKey() + ": " + error);
                    }
                }
            }
        });
        assertThat(checked[0]).isGreaterThan(20);
        assertThat(mismatches).as("examples that do not match their schema (ApiDocumentation / Examples)").isEmpty();
    }

    /**
     * The committed {@code docs/openapi.json} is what the API serves, in canonical form (keys sorted, two
     * spaces, one array item per line). With {@code -Dopenapi.write=true} the test rewrites the file instead.
     */
    @Test
    void theCommittedSpecIsTheServedOne() throws IOException {
        String generated = canonical(spec());
        Path repository = repositoryRoot();
        Path committed = repository.resolve("docs/openapi.json");
        Path copy = Path.of("target", "openapi.json").toAbsolutePath();
        Files.writeString(copy, generated, StandardCharsets.UTF_8);
        if (Boolean.getBoolean("openapi.write")) {
            Files.writeString(committed, generated, StandardCharsets.UTF_8);
            return;
        }
        String expected = Files.exists(committed) ? Files.readString(committed, StandardCharsets.UTF_8) : "";
        if (!expected.equals(generated)) {
            throw new AssertionError(driftMessage(committed, copy, expected, generated));
        }
    }

    static String driftMessage(Path committed, Path generatedCopy, String expected, String generated) {
        if (expected.isEmpty()) {
            return committed + " is missing. Generate it with:\n  " + REGENERATE;
        }
        String[] was = expected.split("\n", -1);
        String[] is = generated.split("\n", -1);
        int line = 0;
        while (line < was.length && line < is.length && was[line].equals(is[line])) {
            line++;
        }
        StringBuilder message = new StringBuilder()
                .append(committed).append(" differs from the spec the API serves (GET /v3/api-docs), first at line ")
                .append(line + 1).append(":\n");
        for (int i = Math.max(0, line - 2); i < Math.min(was.length, line + 3); i++) {
            message.append(i == line ? "- " : "  ").append(was[i]).append('\n');
        }
        message.append("  ---\n");
        for (int i = Math.max(0, line - 2); i < Math.min(is.length, line + 3); i++) {
            message.append(i == line ? "+ " : "  ").append(is[i]).append('\n');
        }
        return message.append("The whole difference: diff ").append(committed).append(' ').append(generatedCopy)
                .append("\nIf the change is intended, regenerate the file and commit it:\n  ").append(REGENERATE)
                .toString();
    }

    /** Sorted keys, two-space indent, one array item per line, a final newline: a file that diffs well. */
    static String canonical(JsonNode node) {
        StringBuilder out = new StringBuilder();
        write(node, out, "");
        return out.append('\n').toString();
    }

    /** The document's own members in the order a reader expects; any other keys (and all below) sorted. */
    private static final List<String> TOP_LEVEL = List.of("openapi", "info", "servers", "tags", "security", "paths",
            "components");
    private static final Comparator<String> TOP_LEVEL_ORDER = Comparator
            .<String>comparingInt(key -> TOP_LEVEL.contains(key) ? TOP_LEVEL.indexOf(key) : TOP_LEVEL.size())
            .thenComparing(Comparator.naturalOrder());

    private static void write(JsonNode node, StringBuilder out, String indent) {
        String inner = indent + "  ";
        if (node.isObject() && !node.isEmpty()) {
            Map<String, JsonNode> sorted = new TreeMap<>(indent.isEmpty() ? TOP_LEVEL_ORDER : Comparator.naturalOrder());
            node.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
            out.append("{\n");
            int i = 0;
            for (Map.Entry<String, JsonNode> member : sorted.entrySet()) {
                out.append(inner).append(Json.mapper().writeValueAsString(member.getKey())).append(": ");
                write(member.getValue(), out, inner);
                out.append(++i < sorted.size() ? ",\n" : "\n");
            }
            out.append(indent).append('}');
        } else if (node.isArray() && !node.isEmpty()) {
            out.append("[\n");
            for (int i = 0; i < node.size(); i++) {
                out.append(inner);
                write(node.get(i), out, inner);
                out.append(i + 1 < node.size() ? ",\n" : "\n");
            }
            out.append(indent).append(']');
        } else {
            out.append(Json.mapper().writeValueAsString(node));
        }
    }

    /** The repository root: the module's parent (Failsafe runs in the module's directory). */
    private static Path repositoryRoot() {
        Path module = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        Path root = module.getParent();
        assertThat(root.resolve("pom.xml")).as("the repository root above " + module).exists();
        return root;
    }

    /**
     * A schema for checking examples: every object that lists its properties allows no others, and every
     * value may be null.
     */
    private static JsonNode strict(JsonNode schema) {
        if (schema.isArray()) {
            ArrayNode copy = Json.mapper().createArrayNode();
            schema.forEach(item -> copy.add(strict(item)));
            return copy;
        }
        if (!schema.isObject()) {
            return schema;
        }
        ObjectNode copy = Json.mapper().createObjectNode();
        schema.properties().forEach(member -> copy.set(member.getKey(),
                member.getKey().equals("properties") || member.getKey().equals("$defs")
                        ? strictMembers(member.getValue()) : strict(member.getValue())));
        if (copy.has("properties") && !copy.has("additionalProperties")) {
            copy.put("additionalProperties", false);
        }
        return copy;
    }

    private static JsonNode strictMembers(JsonNode members) {
        ObjectNode copy = Json.mapper().createObjectNode();
        members.properties().forEach(member -> {
            ObjectNode nullable = Json.mapper().createObjectNode();
            ArrayNode anyOf = nullable.putArray("anyOf");
            anyOf.add(strict(member.getValue()));
            anyOf.addObject().put("type", "null");
            copy.set(member.getKey(), nullable);
        });
        return copy;
    }

    private static JsonNode resolve(JsonNode spec, JsonNode maybeRef) {
        String ref = maybeRef.path("$ref").asString("");
        return ref.startsWith("#/") ? spec.at(ref.substring(1)) : maybeRef;
    }

    private static String text(JsonNode node, String field) {
        return node.path(field).asString("");
    }

    private static void forEachOperation(JsonNode spec, java.util.function.BiConsumer<String, JsonNode> action) {
        spec.path("paths").properties().forEach(path -> path.getValue().properties().forEach(
                method -> action.accept(method.getKey().toUpperCase(java.util.Locale.ROOT) + " " + path.getKey(),
                        method.getValue())));
    }
}
