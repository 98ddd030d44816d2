package io.taskstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class WireCodecTest {

    private final WireCodec<TaskSubmission> codec = new WireCodec<>(TaskSubmission.class, SchemaValidator.load());

    @Test
    void aPipelineCodecReadsWhatTheStrictOneReadsAndExplainsFailuresTheSameWay() {
        WireCodec<TaskSubmission> pipeline = WireCodec.forPipeline(TaskSubmission.class, SchemaValidator.load());
        String valid = "{\"id\":\"0190f3a2-7c4e-7abc-8def-0123456789ab\",\"tenantId\":\"acme\",\"type\":\"log\","
                + "\"payload\":{\"n\":1},\"priority\":\"HIGH\"}";
        assertThat(pipeline.read(valid)).isEqualTo(codec.read(valid)).isInstanceOf(Decoded.Valid.class);
        assertThat(pipeline.read(Json.mapper().readTree(valid))).isEqualTo(codec.read(valid));
        for (String bad : new String[] {"{\"tenantId\":\"acme\"}", "{\"tenantId\":\"acme\",\"type\":\"log\",\"payload\":{},"
                + "\"priority\":\"URGENT\"}", "{\"type\":\"log\",\"payload\":{}}", "[1]", "not json"}) {
            assertThat(pipeline.read(bad)).as(bad).isEqualTo(codec.read(bad)).isNotInstanceOf(Decoded.Valid.class);
            assertThat(pipeline.read(Json.mapper().valueToTree(bad))).as("as a tree: " + bad)
                    .isEqualTo(codec.read(Json.mapper().valueToTree(bad)));
        }
        assertThat(pipeline.read(new byte[0])).isEqualTo(codec.read(new byte[0]));
        assertThat(pipeline.document()).isEqualTo(Document.TASK_SUBMISSION);
    }

    @Test
    void garbageBytesAreUnreadable() {
        Decoded<TaskSubmission> decoded = codec.read("not json at all {".getBytes(StandardCharsets.UTF_8));
        assertThat(decoded).isInstanceOfSatisfying(Decoded.Unreadable.class, u -> {
            assertThat(u.reason()).isEqualTo(WireCodec.UNREADABLE);
            assertThat(u.detail()).startsWith("not JSON");
        });
    }

    @Test
    void emptyAndNullValuesAreUnreadable() {
        assertThat(codec.read(new byte[0])).isInstanceOf(Decoded.Unreadable.class);
        assertThat(codec.read((String) null)).isInstanceOf(Decoded.Unreadable.class);
    }

    @Test
    void jsonThatIsNotAnObjectIsUnreadable() {
        assertThat(codec.read("[1,2,3]")).isInstanceOfSatisfying(Decoded.Unreadable.class,
                u -> assertThat(u.detail()).isEqualTo("not a JSON object"));
    }

    @Test
    void aRecordWithoutTenantIsUnreadableEvenIfOtherwiseFine() {
        assertThat(codec.read("{\"type\":\"log\",\"payload\":{}}")).isInstanceOfSatisfying(Decoded.Unreadable.class,
                u -> assertThat(u.detail()).contains("no valid tenantId"));
    }

    @Test
    void aReadableButInvalidRecordNamesItsTenantIdAndTheFields() {
        UUID id = UUID.fromString("0190f3a2-7c4e-7abc-8def-0123456789ab");
        Decoded<TaskSubmission> decoded = codec.read(
                "{\"id\":\"" + id + "\",\"tenantId\":\"acme\",\"type\":\"log\",\"payload\":{},\"priority\":\"URGENT\"}");
        assertThat(decoded).isInstanceOfSatisfying(Decoded.Invalid.class, invalid -> {
            assertThat(invalid.tenantId()).isEqualTo("acme");
            assertThat(invalid.taskId()).isEqualTo(id);
            assertThat(invalid.violations()).extracting("field").contains("priority");
            assertThat(invalid.detail()).contains("priority");
        });
    }

    @Test
    void missingRequiredFieldsAreNamed() {
        Decoded<TaskSubmission> decoded = codec.read("{\"tenantId\":\"acme\"}");
        assertThat(decoded).isInstanceOfSatisfying(Decoded.Invalid.class, invalid -> {
            assertThat(invalid.taskId()).isNull();
            assertThat(invalid.violations()).extracting("field").contains("type", "payload");
        });
    }

    @Test
    void unknownFieldsAreNamed() {
        Decoded<TaskSubmission> decoded = codec.read("{\"tenantId\":\"acme\",\"type\":\"log\",\"payload\":{},\"priorty\":1}");
        assertThat(decoded).isInstanceOfSatisfying(Decoded.Invalid.class,
                invalid -> assertThat(invalid.violations()).extracting("field").contains("priorty"));
    }

    @Test
    void anIdThatIsNotAUuidIsNotTakenAsTheTaskId() {
        Decoded<TaskSubmission> decoded = codec.read("{\"id\":\"x\",\"tenantId\":\"acme\",\"type\":\"log\",\"payload\":{}}");
        assertThat(decoded).isInstanceOfSatisfying(Decoded.Invalid.class, invalid -> assertThat(invalid.taskId()).isNull());
    }

    @Test
    void whatTheRecordRefusesAfterTheSchemaIsInvalidToo() {
        // the schema checks the ISO shape; the record refuses a timeout above PT24H
        Decoded<TaskSubmission> decoded = codec.read(
                "{\"tenantId\":\"acme\",\"type\":\"log\",\"payload\":{},\"timeout\":\"PT25H\"}");
        assertThat(decoded).isInstanceOfSatisfying(Decoded.Invalid.class,
                invalid -> assertThat(invalid.detail()).contains("timeout"));
    }

    @Test
    void tooDeeplyNestedJsonIsUnreadable() {
        String nested = "{\"a\":".repeat(Json.MAX_NESTING_DEPTH) + "1" + "}".repeat(Json.MAX_NESTING_DEPTH);
        String deep = "{\"tenantId\":\"acme\",\"type\":\"log\",\"payload\":" + nested + "}";
        assertThat(codec.read(deep)).isInstanceOfSatisfying(Decoded.Unreadable.class,
                u -> assertThat(u.detail()).contains("nesting depth"));
        String shallow = "{\"a\":".repeat(Json.MAX_NESTING_DEPTH - 2) + "1" + "}".repeat(Json.MAX_NESTING_DEPTH - 2);
        assertThat(codec.read("{\"tenantId\":\"acme\",\"type\":\"log\",\"payload\":" + shallow + "}"))
                .isInstanceOf(Decoded.Valid.class);
    }

    @Test
    void aTenantIdThatBreaksItsPatternIsNotATenant() {
        // no task may be created for a tenant that cannot exist
        assertThat(codec.read("{\"tenantId\":\"a/b\",\"type\":\"log\",\"payload\":{}}"))
                .isInstanceOfSatisfying(Decoded.Unreadable.class, u -> assertThat(u.detail()).contains("tenantId"));
    }

    @Test
    void aDurationWithoutAnyAmountIsRefused() {
        for (String duration : new String[] {"P", "PT", "P1DT"}) {
            assertThat(codec.read("{\"tenantId\":\"acme\",\"type\":\"log\",\"payload\":{},\"timeout\":\"" + duration + "\"}"))
                    .as(duration).isInstanceOfSatisfying(Decoded.Invalid.class,
                            invalid -> assertThat(invalid.violations()).extracting("field").contains("timeout"));
        }
    }

    @Test
    void writesWhatItReads() {
        Decoded<TaskSubmission> decoded = codec.read("{\"tenantId\":\"acme\",\"type\":\"log\",\"payload\":{\"n\":1}}");
        TaskSubmission submission = ((Decoded.Valid<TaskSubmission>) decoded).value();
        assertThat(codec.read(codec.write(submission))).isEqualTo(decoded);
        assertThat(codec.document()).isEqualTo(Document.TASK_SUBMISSION);
    }

    @Test
    void validDecodingAppliesTheDocumentedDefaults() {
        Decoded<TaskSubmission> decoded = codec.read("{\"tenantId\":\"acme\",\"type\":\"log\",\"payload\":{}}");
        TaskSubmission s = ((Decoded.Valid<TaskSubmission>) decoded).value();
        assertThat(s.priority()).isEqualTo(Priority.NORMAL);
        assertThat(s.maxAttempts()).isEqualTo(4);
        assertThat(s.timeout()).isEqualTo(TaskSubmission.DEFAULT_TIMEOUT);
        assertThat(s.backoff()).isNull();
        assertThat(s.backoffOr(Backoff.DEFAULT)).isEqualTo(Backoff.DEFAULT);
        assertThat(s.labels()).isEmpty();
        assertThat(s.encrypt()).isFalse();
    }
}
