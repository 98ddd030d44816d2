package io.taskstream.ingest.openapi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.swagger.v3.oas.models.PathItem;
import io.taskstream.ingest.errors.ErrorCode;

/**
 * What {@link ApiDocumentation} says about one operation, found in the generated spec by method and path.
 *
 * @param operationId a stable id (springdoc's own would be the Java method name, numbered on clashes)
 * @param request     the request body, or null when the operation takes none
 * @param successes   the success answers, the main one first
 * @param errors      the problems the operation can answer, by stable code
 */
record OperationDoc(
        PathItem.HttpMethod method,
        String path,
        String operationId,
        String tag,
        String summary,
        String description,
        List<Param> parameters,
        Body request,
        List<Success> successes,
        Set<ErrorCode> errors) {

    OperationDoc {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(operationId, "operationId");
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(summary, "summary");
        parameters = List.copyOf(parameters);
        successes = List.copyOf(successes);
        errors = errors.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(errors));
        if (successes.isEmpty()) {
            throw new IllegalArgumentException(method + " " + path + ": no success answer");
        }
        if (errors.isEmpty()) {
            throw new IllegalArgumentException(method + " " + path + ": no documented error");
        }
    }

    /** The key the generated spec is matched on, e.g. {@code POST /api/v1/tasks}. */
    String key() {
        return method + " " + path;
    }

    /**
     * A parameter. One the controller declares gets the description (and keeps its generated schema);
     * one it reads by hand (and springdoc therefore does not see) is added with {@code schemaJson}.
     *
     * @param in         {@code path}, {@code query} or {@code header}
     * @param schemaJson the parameter's JSON Schema, used when springdoc generated none
     */
    record Param(String in, String name, String description, boolean required, String schemaJson) {
    }

    /**
     * A request body springdoc cannot see (the controllers read raw bodies to bound their size).
     *
     * @param schema     a component of {@link ComponentSchemas}
     * @param mediaTypes the content types the operation accepts
     * @param examples   named examples (plain maps and lists, see {@link Examples#json(String)})
     */
    record Body(String schema, List<String> mediaTypes, Map<String, Object> examples, boolean required) {
        Body {
            mediaTypes = List.copyOf(mediaTypes);
            examples = new LinkedHashMap<>(examples);
        }
    }

    /**
     * A success answer. Its schema is springdoc's, generated from the controller's return type (the Java
     * records), unless {@code writtenSchema} names one written by hand (where the records say too little or
     * the wrong thing, e.g. a batch result's {@code error}, which is a {@code Problem}).
     *
     * @param example        null only for an answer without a body ({@code 204})
     * @param headers        names of header components ({@code Location})
     * @param writtenSchema  a component of {@link ComponentSchemas}, or null
     */
    record Success(int status, String description, Object example, List<String> headers, String writtenSchema) {
        Success {
            headers = List.copyOf(headers);
        }

        boolean hasBody() {
            return example != null;
        }
    }

    static Builder operation(PathItem.HttpMethod method, String path, String operationId, String tag) {
        return new Builder(method, path, operationId, tag);
    }

    /** Builds an entry of the table so that it reads top to bottom like the endpoint's documentation. */
    static final class Builder {
        private final PathItem.HttpMethod method;
        private final String path;
        private final String operationId;
        private final String tag;
        private String summary;
        private String description;
        private final List<Param> parameters = new ArrayList<>();
        private Body request;
        private final List<Success> successes = new ArrayList<>();
        private final Set<ErrorCode> errors = EnumSet.noneOf(ErrorCode.class);

        private Builder(PathItem.HttpMethod method, String path, String operationId, String tag) {
            this.method = method;
            this.path = path;
            this.operationId = operationId;
            this.tag = tag;
        }

        Builder summary(String text) {
            this.summary = text;
            return this;
        }

        Builder description(String text) {
            this.description = text;
            return this;
        }

        Builder param(Param param) {
            parameters.add(param);
            return this;
        }

        Builder pathParam(String name, String text) {
            return param(new Param("path", name, text, true, "{\"type\": \"string\"}"));
        }

        Builder query(String name, String text, String schemaJson) {
            return param(new Param("query", name, text, false, schemaJson));
        }

        /** {@code limit} and {@code cursor}: the keyset pagination of every listing. */
        Builder pageQueries(String cursorText) {
            return query("limit", "The page size, 1 to 500; default 50.",
                    "{\"type\": \"integer\", \"minimum\": 1, \"maximum\": 500, \"default\": 50}")
                    .query("cursor", cursorText, "{\"type\": \"string\"}");
        }

        Builder header(String name, String text) {
            return param(new Param("header", name, text, false, "{\"type\": \"string\"}"));
        }

        Builder body(String schema, List<String> mediaTypes, Map<String, Object> examples) {
            this.request = new Body(schema, mediaTypes, examples, true);
            return this;
        }

        /** A body the operation also works without. */
        Builder optionalBody(String schema, List<String> mediaTypes, Map<String, Object> examples) {
            this.request = new Body(schema, mediaTypes, examples, false);
            return this;
        }

        Builder success(int status, String text, Object example, String... headers) {
            successes.add(new Success(status, text, example, List.of(headers), null));
            return this;
        }

        /** A success whose schema is {@code writtenSchema}, whatever the controller's return type says. */
        Builder successAs(String writtenSchema, int status, String text, Object example) {
            successes.add(new Success(status, text, example, List.of(), writtenSchema));
            return this;
        }

        Builder noContent(String text) {
            successes.add(new Success(204, text, null, List.of(), null));
            return this;
        }

        Builder errors(Set<ErrorCode> common, ErrorCode... more) {
            errors.addAll(common);
            errors.addAll(List.of(more));
            return this;
        }

        OperationDoc build() {
            return new OperationDoc(method, path, operationId, tag, summary, description, parameters, request,
                    successes, errors);
        }
    }
}
