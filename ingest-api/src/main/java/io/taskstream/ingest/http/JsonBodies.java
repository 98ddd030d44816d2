package io.taskstream.ingest.http;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Violation;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one way request bodies become JSON: strictly (duplicate keys, trailing garbage and nesting
 * deeper than {@link Json#MAX_NESTING_DEPTH} are malformed), as an object, with unknown fields named.
 * <ul>
 *   <li>empty or not JSON → {@code 400 malformed_request};</li>
 *   <li>JSON but not an object, a field the endpoint does not know, or a NUL character (U+0000) in any
 *       string or member name (PostgreSQL cannot store it) → {@code 400 validation_failed}.</li>
 * </ul>
 */
public final class JsonBodies {

    /**
     * Parses request bodies only (binding uses {@link Json#mapper()}). Its own factory enforces
     * {@link Json#MAX_NESTING_DEPTH}, which {@code Json.mapper()} documents but does not apply (its
     * parser allows Jackson's default of 500 levels).
     */
    private static final ObjectReader STRICT = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(Json.MAX_NESTING_DEPTH).build())
                    .build())
            .build()
            .reader()
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private JsonBodies() {
    }

    /** Reads at most {@code limit} bytes of the request's body (else 413) and parses them as an object. */
    public static ObjectNode readObject(HttpServletRequest request, long limit) throws IOException {
        return parseObject(RequestBodies.read(request.getInputStream(), request.getContentLengthLong(), limit));
    }

    /** The body as a JSON object, or a problem saying why it is not one. */
    public static ObjectNode parseObject(byte[] body) {
        if (body == null || body.length == 0) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the request body is empty; send a JSON object");
        }
        JsonNode tree;
        try {
            tree = STRICT.readTree(body);
        } catch (JacksonException e) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the request body is not valid JSON: "
                    + e.getOriginalMessage());
        }
        if (tree == null || tree.isMissingNode()) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the request body is empty; send a JSON object");
        }
        if (!tree.isObject()) {
            throw ApiException.validation(List.of(new Violation("", "the request body must be a JSON object")));
        }
        String nul = nulAt(tree, "");
        if (nul != null) {
            throw ApiException.validation(List.of(new Violation(nul, "must not contain NUL (\\u0000): PostgreSQL, "
                    + "where tasks and schedules are kept, cannot store it")));
        }
        return (ObjectNode) tree;
    }

    /** The path of the first string or member name holding U+0000 in {@code node}, or null. */
    private static String nulAt(JsonNode node, String path) {
        if (node.isString()) {
            return node.asString().indexOf('\0') >= 0 ? path : null;
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String found = nulAt(node.get(i), path + "[" + i + "]");
                if (found != null) {
                    return found;
                }
            }
        } else if (node.isObject()) {
            for (var member : node.properties()) {
                String name = path.isEmpty() ? member.getKey() : path + "." + member.getKey();
                if (member.getKey().indexOf('\0') >= 0) {
                    return name.replace('\0', '?');
                }
                String found = nulAt(member.getValue(), name);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** One {@code unknown field} violation per field of {@code body} not in {@code known}, in body order. */
    public static List<Violation> unknownFields(ObjectNode body, Set<String> known) {
        List<Violation> violations = new ArrayList<>();
        for (String name : body.propertyNames()) {
            if (!known.contains(name)) {
                violations.add(new Violation(name, "unknown field"));
            }
        }
        return violations;
    }
}
