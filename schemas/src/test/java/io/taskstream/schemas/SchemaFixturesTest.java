package io.taskstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import tools.jackson.databind.JsonNode;

/**
 * Every document of the contract against its fixtures: {@code fixtures/<wire-name>/valid/*.json}
 * must pass the schema and bind to the record; {@code invalid/*.json} must be refused.
 */
class SchemaFixturesTest {

    private static final SchemaValidator VALIDATOR = SchemaValidator.load();

    @TestFactory
    Stream<DynamicTest> validFixturesPassTheSchemaAndBindToTheirRecord() {
        return fixtures("valid").stream().map(f -> DynamicTest.dynamicTest(f.name(), () -> {
            JsonNode json = Json.mapper().readTree(f.bytes());
            assertThat(VALIDATOR.validate(f.document(), json)).isEmpty();
            Decoded<?> decoded = new WireCodec<>(f.document().type(), VALIDATOR).read(f.bytes());
            assertThat(decoded).isInstanceOf(Decoded.Valid.class);
            Object value = ((Decoded.Valid<?>) decoded).value();
            // what we write reads back as the same record, and still passes the schema
            byte[] written = Json.mapper().writeValueAsBytes(value);
            assertThat(Json.mapper().readValue(written, f.document().type())).isEqualTo(value);
            assertThat(VALIDATOR.validate(f.document(), Json.mapper().readTree(written))).isEmpty();
        }));
    }

    @TestFactory
    Stream<DynamicTest> invalidFixturesAreRefused() {
        return fixtures("invalid").stream().map(f -> DynamicTest.dynamicTest(f.name(), () -> {
            Decoded<?> decoded = new WireCodec<>(f.document().type(), VALIDATOR).read(f.bytes());
            assertThat(decoded).isNotInstanceOf(Decoded.Valid.class);
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyDocumentHasValidAndInvalidFixtures() {
        List<Fixture> valid = fixtures("valid");
        List<Fixture> invalid = fixtures("invalid");
        return Stream.of(Document.values()).map(d -> DynamicTest.dynamicTest(d.wireName(), () -> {
            assertThat(valid).anyMatch(f -> f.document() == d);
            assertThat(invalid).anyMatch(f -> f.document() == d);
        }));
    }

    /** The deferral rules are in the schema itself, not only in the record: other producers see them too. */
    @TestFactory
    Stream<DynamicTest> theSchemaAloneRefusesADeferralWithoutRetryAtOrAnErrorAndARetryAtWithoutDeferral() {
        return fixtures("invalid").stream()
                .filter(f -> f.name().startsWith("attempt-result/invalid/deferred-")
                        || f.name().startsWith("attempt-result/invalid/retry-at-"))
                .map(f -> DynamicTest.dynamicTest(f.name(), () ->
                        assertThat(VALIDATOR.validate(f.document(), Json.mapper().readTree(f.bytes()))).isNotEmpty()));
    }

    record Fixture(Document document, String name, byte[] bytes) {
    }

    private static List<Fixture> fixtures(String kind) {
        try {
            Path root = Path.of(SchemaFixturesTest.class.getClassLoader().getResource("fixtures").toURI());
            List<Fixture> all = new ArrayList<>();
            for (Document document : Document.values()) {
                Path dir = root.resolve(document.wireName()).resolve(kind);
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path file : files.sorted().toList()) {
                        all.add(new Fixture(document, document.wireName() + "/" + kind + "/" + file.getFileName(),
                                Files.readAllBytes(file)));
                    }
                }
            }
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
