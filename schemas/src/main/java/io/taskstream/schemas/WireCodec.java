package io.taskstream.schemas;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads and writes one kind of wire document. Reading never throws: it validates against the
 * JSON Schema, then binds the record (whose compact constructor checks what a schema cannot),
 * and answers a {@link Decoded}.
 *
 * <p>{@link #forPipeline} reads documents Taskstream's own services write (results, control
 * commands, events, dead letters) the other way round: it binds first and consults the schema only
 * to explain a record that does not bind. A record that binds is one the record's constructor
 * accepts, so nothing the services act on goes unchecked; what is saved is the schema walk on every
 * record — measured at about a sixth of the scheduler's and the projection's CPU
 * ({@code docs/performance.md}). Submissions and schedule definitions, which anyone may write, are
 * always validated against the schema first.
 */
public final class WireCodec<T> {

    /** Reason codes carried in the {@code ts-error} header and in {@link DeadLetter#reason()}. */
    public static final String UNREADABLE = "unreadable_record";
    public static final String INVALID = "invalid_record";

    /** The tenant ids the schemas accept ({@code $defs/tenantId}). */
    public static final java.util.regex.Pattern TENANT_PATTERN =
            java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private final Document document;
    private final Class<T> type;
    private final SchemaValidator validator;
    private final JsonMapper mapper = Json.mapper();
    private final boolean bindFirst;

    /** A codec that validates every record against the schema before binding it (untrusted input). */
    public WireCodec(Class<T> type, SchemaValidator validator) {
        this(type, validator, false);
    }

    private WireCodec(Class<T> type, SchemaValidator validator, boolean bindFirst) {
        this.document = Document.of(type);
        this.type = type;
        this.validator = validator;
        this.bindFirst = bindFirst;
    }

    /** A codec for a document the pipeline itself writes: binds first, the schema explains failures. */
    public static <T> WireCodec<T> forPipeline(Class<T> type, SchemaValidator validator) {
        return new WireCodec<>(type, validator, true);
    }

    public Document document() {
        return document;
    }

    public byte[] write(T value) {
        return mapper.writeValueAsBytes(value);
    }

    public Decoded<T> read(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return new Decoded.Unreadable<>(UNREADABLE, "empty record value");
        }
        if (bindFirst) {
            try {
                // straight from the bytes: no tree in between (half the JSON work of the strict path)
                return new Decoded.Valid<>(mapper.readValue(bytes, type));
            } catch (JacksonException e) {
                // not bindable: parsed again below, so that the schema can say why
            }
        }
        JsonNode json;
        try {
            json = mapper.readTree(bytes);
        } catch (JacksonException e) {
            return new Decoded.Unreadable<>(UNREADABLE, "not JSON: " + e.getOriginalMessage());
        }
        return read(json);
    }

    public Decoded<T> read(String text) {
        return read(text == null ? null : text.getBytes(StandardCharsets.UTF_8));
    }

    public Decoded<T> read(JsonNode json) {
        if (json == null || !json.isObject()) {
            return new Decoded.Unreadable<>(UNREADABLE, "not a JSON object");
        }
        if (bindFirst) {
            try {
                return new Decoded.Valid<>(mapper.treeToValue(json, type));
            } catch (JacksonException e) {
                // not bindable: the schema walk below says why, as it does for untrusted input
            }
        }
        String tenantId = tenant(json);
        UUID taskId = uuid(json, document == Document.TASK_SUBMISSION ? "id" : "taskId");
        List<Violation> violations = validator.validate(document, json);
        if (!violations.isEmpty()) {
            return invalidOrUnreadable(tenantId, taskId, violations);
        }
        try {
            return new Decoded.Valid<>(mapper.treeToValue(json, type));
        } catch (JacksonException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            String message = cause == e ? e.getOriginalMessage() : cause.getMessage();
            return invalidOrUnreadable(tenantId, taskId, List.of(new Violation("", message)));
        }
    }

    private Decoded<T> invalidOrUnreadable(String tenantId, UUID taskId, List<Violation> violations) {
        if (tenantId == null) {
            String detail = String.join("; ", violations.stream().map(Violation::toString).toList());
            return new Decoded.Unreadable<>(UNREADABLE, "no valid tenantId: " + detail);
        }
        return new Decoded.Invalid<>(tenantId, taskId, violations);
    }

    /** The tenant id, or null when absent or not a possible tenant id (no task may be made for it). */
    private static String tenant(JsonNode json) {
        String tenantId = text(json, "tenantId");
        return tenantId != null && TENANT_PATTERN.matcher(tenantId).matches() ? tenantId : null;
    }

    private static String text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node != null && node.isString() && !node.asString().isBlank() ? node.asString() : null;
    }

    private static UUID uuid(JsonNode json, String field) {
        String text = text(json, field);
        if (text == null) {
            return null;
        }
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
