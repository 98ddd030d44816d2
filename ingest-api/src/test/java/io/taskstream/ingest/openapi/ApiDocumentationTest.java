package io.taskstream.ingest.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverter;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.Paths;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.ingest.schedules.ScheduleReader;
import io.taskstream.ingest.tasks.SubmissionReader;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The table and how it is applied to what springdoc generates, without a running application. */
class ApiDocumentationTest {

    private final ApiDocumentation documentation = new ApiDocumentation();

    /** An operation as springdoc generates it from a controller method returning {@code schema}. */
    private static Operation generated(Schema<?> schema, Parameter... parameters) {
        Operation operation = new Operation().operationId("submit").addTagsItem("task-controller")
                .responses(new ApiResponses().addApiResponse("200", new ApiResponse().description("OK")
                        .content(new Content().addMediaType("application/json", new MediaType().schema(schema)))));
        for (Parameter parameter : parameters) {
            operation.addParametersItem(parameter);
        }
        return operation;
    }

    private static Schema<?> ref(String name) {
        return new Schema<>().$ref("#/components/schemas/" + name);
    }

    private static OpenAPI spec(Map<String, PathItem> paths) {
        Paths all = new Paths();
        paths.forEach(all::addPathItem);
        return OpenApiConfiguration.frame("1.2.3").paths(all);
    }

    @Test
    void aKnownOperationGetsItsSummaryStatusesExamplesProblemsAndSecurity() {
        Operation submit = generated(ref("TaskView"),
                new Parameter().in("header").name("Idempotency-Key").schema(new Schema<>().type("string")));
        OpenAPI spec = spec(Map.of("/api/v1/tasks", new PathItem().post(submit)));

        documentation.customise(spec);

        assertThat(submit.getOperationId()).isEqualTo("submitTask");
        assertThat(submit.getTags()).containsExactly(ApiDocumentation.TASKS);
        assertThat(submit.getSummary()).isEqualTo("Submit a task");
        assertThat(submit.getResponses().keySet())
                .containsExactly("202", "200", "400", "401", "403", "409", "413", "415", "429", "503");
        MediaType accepted = submit.getResponses().get("202").getContent().get("application/json");
        assertThat(accepted.getSchema().get$ref()).isEqualTo("#/components/schemas/TaskView");
        assertThat(accepted.getExample()).isEqualTo(Examples.TASK_PENDING);
        assertThat(submit.getResponses().get("202").getHeaders()).containsOnlyKeys("Location", "RateLimit-Limit",
                "RateLimit-Remaining", "RateLimit-Reset");
        assertThat(submit.getResponses().get("429").getHeaders()).containsOnlyKeys("Retry-After", "RateLimit-Limit",
                "RateLimit-Remaining", "RateLimit-Reset");

        MediaType invalid = submit.getResponses().get("400").getContent().get("application/problem+json");
        assertThat(invalid.getSchema().get$ref()).isEqualTo("#/components/schemas/Problem");
        assertThat(invalid.getExamples()).containsOnlyKeys("validation_failed", "malformed_request");
        assertThat(invalid.getExamples().get("validation_failed").get$ref())
                .isEqualTo("#/components/examples/validation_failed");
        assertThat(submit.getResponses().get("400").getDescription())
                .isEqualTo("- `validation_failed`: " + ApiDocumentation.MEANINGS.get(ErrorCode.VALIDATION_FAILED)
                        + "\n- `malformed_request`: " + ApiDocumentation.MEANINGS.get(ErrorCode.MALFORMED_REQUEST));
        assertThat(submit.getResponses().get("503").getHeaders()).containsOnlyKeys("Retry-After");
        assertThat(submit.getResponses().get("401").getHeaders()).containsOnlyKeys("WWW-Authenticate");

        assertThat(submit.getRequestBody().getContent()).containsOnlyKeys("application/json");
        assertThat(submit.getRequestBody().getContent().get("application/json").getSchema().get$ref())
                .isEqualTo("#/components/schemas/TaskSubmissionRequest");
        assertThat(submit.getParameters()).extracting(Parameter::getName)
                .containsExactly("Idempotency-Key", "traceparent");
        assertThat(submit.getParameters().getFirst().getDescription()).contains("idempotencyKey");
        assertThat(submit.getSecurity()).containsExactly(new SecurityRequirement().addList(ApiDocumentation.BEARER),
                new SecurityRequirement().addList(ApiDocumentation.API_KEY));

        assertThat(spec.getComponents().getExamples().get("queue_full").getValue())
                .isEqualTo(Examples.problem(ErrorCode.QUEUE_FULL));
        assertThat(spec.getTags()).extracting(t -> t.getName()).containsExactly(ApiDocumentation.TASKS);
    }

    @Test
    void onlyTheComponentsThatPresentOperationsUseAreAdded() {
        OpenAPI spec = spec(Map.of("/api/v1/workers", new PathItem().get(generated(ref("PageWorkerView")))));

        documentation.customise(spec);

        assertThat(spec.getComponents().getSchemas()).containsOnlyKeys(ComponentSchemas.PROBLEM);
        assertThat(spec.getComponents().getExamples()).containsOnlyKeys("unauthenticated", "forbidden",
                "rate_limited", "dependency_unavailable");
        assertThat(spec.getComponents().getHeaders()).containsOnlyKeys("WWW-Authenticate", "Retry-After",
                "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset");
        assertThat(spec.getComponents().getSecuritySchemes()).containsOnlyKeys(ApiDocumentation.BEARER,
                ApiDocumentation.API_KEY);
        assertThat(spec.getTags()).extracting(t -> t.getName()).containsExactly(ApiDocumentation.WORKERS);
    }

    @Test
    void anEndpointNotYetBuiltIsDocumentedTheMomentItExists() {
        // POST /tasks:batch returning something springdoc cannot name: the table's fallback schema is used
        Operation batch = generated(new Schema<>().type("object"));
        // GET /tasks declaring one filter, reading the others by hand
        Operation list = generated(ref("PageTaskView"),
                new Parameter().in("query").name("status").schema(new Schema<>().type("array")),
                new Parameter().in("query").name("limit").schema(new Schema<>().type("integer").format("int32")));
        OpenAPI spec = spec(Map.of("/api/v1/tasks:batch", new PathItem().post(batch),
                "/api/v1/tasks", new PathItem().get(list)));

        documentation.customise(spec);

        assertThat(batch.getOperationId()).isEqualTo("submitTasks");
        assertThat(batch.getResponses().get("200").getContent().get("application/json").getSchema().get$ref())
                .isEqualTo("#/components/schemas/" + ComponentSchemas.TASK_BATCH_RESPONSE);
        // the batch body refers to the single task's body, the batch answer to the problem: both come along
        assertThat(spec.getComponents().getSchemas()).containsOnlyKeys(ComponentSchemas.PROBLEM,
                ComponentSchemas.TASK_BATCH_REQUEST, ComponentSchemas.TASK_SUBMISSION_REQUEST,
                ComponentSchemas.TASK_BATCH_RESPONSE);

        assertThat(list.getOperationId()).isEqualTo("listTasks");
        assertThat(list.getParameters()).extracting(Parameter::getName).containsExactly("status", "limit", "type",
                "priority", "label", "createdAfter", "createdBefore", "scheduleId", "cursor");
        Parameter status = list.getParameters().getFirst();
        assertThat(status.getDescription()).isEqualTo("Only tasks in this status.");
        assertThat(status.getSchema().getType()).as("the controller's own schema is kept").isEqualTo("array");
        assertThat(status.getSchema().getEnum()).as("a string's values do not fit an array").isNull();
        Parameter limit = list.getParameters().get(1);
        assertThat(limit.getDescription()).isEqualTo("The page size, 1 to 500; default 50.");
        assertThat(limit.getSchema().getFormat()).isEqualTo("int32");
        assertThat(limit.getSchema().getMinimum()).isEqualByComparingTo("1");
        assertThat(limit.getSchema().getMaximum()).isEqualByComparingTo("500");
        assertThat(limit.getSchema().getDefault()).isEqualTo(50);
        Parameter priority = list.getParameters().get(3);
        assertThat(priority.getIn()).isEqualTo("query");
        assertThat(priority.getRequired()).isFalse();
        assertThat(priority.getSchema().getEnum()).containsExactly("CRITICAL", "HIGH", "NORMAL", "LOW");
        assertThat(list.getResponses().get("200").getContent().get("application/json").getSchema().get$ref())
                .as("a named generated schema beats the table's fallback").isEqualTo("#/components/schemas/PageTaskView");
    }

    @Test
    void anOperationTheTableDoesNotKnowIsLeftAsSpringdocMadeIt() {
        Operation unknown = generated(ref("Thing")).summary("springdoc's");
        OpenAPI spec = spec(Map.of("/api/v1/things", new PathItem().get(unknown)));

        documentation.customise(spec);

        assertThat(unknown.getOperationId()).isEqualTo("submit");
        assertThat(unknown.getSummary()).isEqualTo("springdoc's");
        assertThat(unknown.getSecurity()).isNull();
        assertThat(unknown.getResponses()).containsOnlyKeys("200");
        assertThat(spec.getTags()).isNull();
    }

    @Test
    void aSpecWithoutPathsIsLeftAlone() {
        OpenAPI spec = OpenApiConfiguration.frame("1.2.3");

        documentation.customise(spec);

        assertThat(spec.getPaths()).isNull();
        assertThat(spec.getComponents().getSchemas()).isNull();
    }

    @Test
    void theFrameHasTheVersionAFixedServerAndBothKindsOfKey() {
        OpenAPI frame = OpenApiConfiguration.frame("1.2.3");

        assertThat(frame.getInfo().getTitle()).isEqualTo("Taskstream API");
        assertThat(frame.getInfo().getVersion()).isEqualTo("1.2.3");
        assertThat(frame.getInfo().getDescription()).contains("[docs/api.md](docs/api.md)");
        assertThat(frame.getServers()).singleElement().satisfies(s -> assertThat(s.getUrl()).isEqualTo("/"));
        assertThat(frame.getComponents().getSecuritySchemes().get(ApiDocumentation.BEARER).getScheme())
                .isEqualTo("bearer");
        assertThat(frame.getComponents().getSecuritySchemes().get(ApiDocumentation.API_KEY).getName())
                .isEqualTo("X-API-Key");
    }

    @Test
    void theTableHasOneEntryPerOperationUnderApiV1WithAMeaningForEveryCode() {
        Set<String> keys = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (OperationDoc doc : ApiDocumentation.OPERATIONS) {
            assertThat(keys.add(doc.key())).as("twice: " + doc.key()).isTrue();
            assertThat(ids.add(doc.operationId())).as("id twice: " + doc.operationId()).isTrue();
            assertThat(doc.path()).startsWith("/api/v1/");
            assertThat(ApiDocumentation.TAGS).containsKey(doc.tag());
            assertThat(doc.description()).isNotBlank();
            assertThat(doc.errors()).containsAll(ApiDocumentation.COMMON);
            for (ErrorCode code : doc.errors()) {
                assertThat(ApiDocumentation.MEANINGS).as(code.code()).containsKey(code);
            }
            if (doc.request() != null) {
                assertThat(ComponentSchemas.defines(doc.request().schema())).isTrue();
                assertThat(doc.request().examples()).isNotEmpty();
            }
        }
        assertThat(keys).contains("POST /api/v1/tasks:batch", "GET /api/v1/tasks", "GET /api/v1/stats");
    }

    @Test
    void anEntryWithoutASuccessOrAnErrorIsRefused() {
        assertThatThrownBy(() -> OperationDoc.operation(PathItem.HttpMethod.GET, "/api/v1/x", "x", "Tasks")
                .summary("x").errors(ApiDocumentation.COMMON).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no success");
        assertThatThrownBy(() -> OperationDoc.operation(PathItem.HttpMethod.GET, "/api/v1/x", "x", "Tasks")
                .summary("x").success(200, "ok", Map.of()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no documented error");
    }

    @Test
    void theDocumentedTaskFieldsAreExactlyTheOnesTheApiAccepts() {
        SubmissionReader reader = new SubmissionReader(SchemaValidator.load(), 262_144);
        ObjectNode request = ComponentSchemas.taskSubmissionRequest();
        List<String> documented = new ArrayList<>(request.get("properties").propertyNames());

        assertThat(documented).isNotEmpty().doesNotContainAnyElementsOf(ComponentSchemas.SERVER_FIELDS);
        assertThat(request.get("required").values()).extracting(JsonNode::asString).containsExactly("type", "payload");
        for (String field : documented) {
            assertThat(unknownFields(reader, field)).as(field + " is documented, so the API must know it").isEmpty();
        }
        for (String field : ComponentSchemas.SERVER_FIELDS) {
            assertThat(unknownFields(reader, field)).as(field + " is the server's").containsExactly(field);
        }
    }

    private static List<String> unknownFields(SubmissionReader reader, String field) {
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("type", "email.send");
        body.putObject("payload");
        body.put(field, "x");
        try {
            reader.read(Json.mapper().writeValueAsBytes(body), "acme", UUID.randomUUID(), Instant.EPOCH, null);
            return List.of();
        } catch (ApiException e) {
            return e.errors().stream().filter(v -> v.message().equals("unknown field")).map(Violation::field).toList();
        }
    }

    @Test
    void theSubmissionExamplesAreAcceptedByTheApi() {
        SubmissionReader reader = new SubmissionReader(SchemaValidator.load(), 262_144);
        for (Map<String, Object> example : List.of(Examples.SUBMISSION_MINIMAL, Examples.SUBMISSION_FULL)) {
            byte[] body = Json.mapper().writeValueAsString(example).getBytes(StandardCharsets.UTF_8);
            TaskSubmission read = reader.read(body, "acme", UUID.randomUUID(), Instant.EPOCH, null);
            assertThat(read.type()).isEqualTo("email.send");
        }
    }

    @Test
    void aJacksonTreeIsAnyJsonValueAndOtherTypesGoDownTheChain() {
        ModelConverter converter = new OpenApiConfiguration.JsonTreeSchema();
        Schema<?> next = new Schema<>().description("the next converter's");
        ModelConverter nextConverter = (type, context, chain) -> next;

        Schema<?> tree = converter.resolve(new AnnotatedType(ObjectNode.class), null, List.of(nextConverter).iterator());
        Schema<?> other = converter.resolve(new AnnotatedType(String.class), null, List.of(nextConverter).iterator());
        Schema<?> last = converter.resolve(new AnnotatedType(String.class), null,
                new ArrayList<ModelConverter>().iterator());

        assertThat(tree.getDescription()).isEqualTo("Any JSON value.");
        assertThat(tree.getType()).isNull();
        assertThat(other).isSameAs(next);
        assertThat(last).isNull();
        // springdoc hands types over as Jackson 2 JavaTypes too
        Iterator<ModelConverter> unused = List.<ModelConverter>of().iterator();
        assertThat(converter.resolve(new AnnotatedType(
                com.fasterxml.jackson.databind.type.TypeFactory.defaultInstance().constructType(JsonNode.class)),
                null, unused).getDescription()).isEqualTo("Any JSON value.");
    }

    @Test
    void aComponentSchemaThatIsNotJsonIsRefused() {
        assertThatThrownBy(() -> ComponentSchemas.parse("{not json")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ComponentSchemas.json("Nope")).isInstanceOf(IllegalArgumentException.class);
        assertThat(ComponentSchemas.references(ComponentSchemas.TASK_BATCH_RESPONSE))
                .containsExactly("TaskView", "Problem");
    }

    @Test
    void theDocumentedScheduleTaskFieldsAreExactlyATemplatesWithTheSubmissionsRules() {
        ObjectNode task = ComponentSchemas.scheduleTask();

        assertThat(task.get("properties").propertyNames()).containsExactlyInAnyOrderElementsOf(
                ScheduleReader.TASK_FIELDS);
        assertThat(task.get("required").values()).extracting(JsonNode::asString).containsExactly("type", "payload");
        assertThat(task.at("/properties/type")).isEqualTo(ComponentSchemas.taskSubmissionRequest().at("/properties/type"));
        assertThat(ComponentSchemas.references(ComponentSchemas.SCHEDULE_REQUEST))
                .containsExactly(ComponentSchemas.SCHEDULE_TASK);
        assertThat(ComponentSchemas.defines(ComponentSchemas.SCHEDULE_TASK)).isTrue();
        assertThat(ComponentSchemas.schema(ComponentSchemas.SCHEDULE_PATCH_REQUEST).getRequired())
                .containsExactly("enabled");
    }

    @Test
    void theScheduleExamplesAreAcceptedByTheApi() {
        SchemaValidator validator = SchemaValidator.load();
        ScheduleReader reader = new ScheduleReader(new SubmissionReader(validator, 262_144), validator,
                Duration.ofMinutes(1));
        for (Map<String, Object> example : List.of(Examples.SCHEDULE_REQUEST, Examples.SCHEDULE_REQUEST_MINIMAL)) {
            ObjectNode body = Json.mapper().valueToTree(example);
            assertThat(reader.read(body, "acme", UUID.randomUUID(), Instant.EPOCH).name())
                    .isEqualTo(example.get("name"));
        }
        assertThat(ComponentSchemas.schema(ComponentSchemas.SCHEDULE_REQUEST).getProperties().keySet())
                .containsExactlyInAnyOrder("name", "cron", "timezone", "task", "enabled", "misfirePolicy", "overlap");
    }
}
