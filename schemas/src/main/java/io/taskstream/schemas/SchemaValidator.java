package io.taskstream.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import tools.jackson.databind.JsonNode;

/**
 * Checks JSON documents against the contract's JSON Schemas (draft 2020-12, bundled in
 * {@code schemas/*.v1.json}). Thread-safe; load it once and share it.
 */
public final class SchemaValidator {

    private final Map<Document, Schema> schemas;

    private SchemaValidator(Map<Document, Schema> schemas) {
        this.schemas = schemas;
    }

    /** Loads every schema of the contract from the class path. */
    public static SchemaValidator load() {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        Map<Document, Schema> schemas = new EnumMap<>(Document.class);
        for (Document document : Document.values()) {
            schemas.put(document, registry.getSchema(read(document.schemaResource())));
        }
        return new SchemaValidator(schemas);
    }

    /** The raw text of a document's schema, e.g. for publishing it. */
    public static String schemaText(Document document) {
        return read(document.schemaResource());
    }

    private static String read(String resource) {
        try (InputStream in = SchemaValidator.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing schema on the class path: " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every violation of {@code document}'s schema in {@code json}; empty when it is valid. */
    public List<Violation> validate(Document document, JsonNode json) {
        List<Violation> violations = new ArrayList<>();
        for (Error error : schemas.get(document).validate(json)) {
            violations.add(new Violation(fieldOf(error), error.getMessage()));
        }
        return violations;
    }

    /** {@code /backoff/max} (or {@code $.backoff.max}) → {@code backoff.max}; a missing required property names itself. */
    private static String fieldOf(Error error) {
        String location = error.getInstanceLocation().toString();
        String field = location.startsWith("$") ? location.substring(1) : location;
        field = field.replace('/', '.');
        if (field.startsWith(".")) {
            field = field.substring(1);
        }
        if (error.getProperty() != null && ("required".equals(error.getKeyword())
                || "additionalProperties".equals(error.getKeyword()))) {
            field = field.isEmpty() ? error.getProperty() : field + "." + error.getProperty();
        }
        return field;
    }
}
