package io.taskstream.schemas.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskSubmission;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class PayloadCipherTest {

    private static final UUID TASK = UUID.fromString("0190f3a2-7c4e-7abc-8def-0123456789ab");
    private static final UUID OTHER_TASK = UUID.fromString("0190f3a2-7c4e-7abc-8def-0123456789ac");
    private static final String MARKER = "secret-marker-4711";
    private static final JsonNode PAYLOAD = Json.mapper().readTree(
            "{\"to\": \"a@example.com\", \"note\": \"" + MARKER + "\", \"n\": [1, 2.5, null, true]}");

    private final PayloadCipher k1Only = cipher(new KeyRing(null, List.of(Keys.key("k1", 1))));

    private static PayloadCipher cipher(KeyRing ring) {
        return new PayloadCipher(() -> ring, new SecureRandom());
    }

    @Test
    void aPayloadComesBackAsItWentInAndIsNotReadableOnTheWay() {
        ObjectNode envelope = k1Only.encrypt(PAYLOAD, PayloadCipher.payloadAad("acme", TASK));

        assertThat(envelope.toString()).doesNotContain(MARKER).doesNotContain("a@example.com");
        JsonNode inner = envelope.get("encrypted");
        assertThat(inner.get("v").asInt()).isEqualTo(1);
        assertThat(inner.get("alg").asString()).isEqualTo("A256GCM");
        assertThat(inner.get("kid").asString()).isEqualTo("k1");
        assertThat(Base64.getDecoder().decode(inner.get("iv").asString())).hasSize(12);
        assertThat(PayloadCipher.isEnvelope(envelope)).isTrue();
        assertThat(k1Only.decrypt(envelope, PayloadCipher.payloadAad("acme", TASK))).isEqualTo(PAYLOAD);
    }

    @Test
    void everyEncryptionUsesAFreshIv() {
        String aad = PayloadCipher.payloadAad("acme", TASK);
        JsonNode a = k1Only.encrypt(PAYLOAD, aad).get("encrypted");
        JsonNode b = k1Only.encrypt(PAYLOAD, aad).get("encrypted");
        assertThat(a.get("iv")).isNotEqualTo(b.get("iv"));
        assertThat(a.get("ct")).isNotEqualTo(b.get("ct"));
    }

    @Test
    void aCiphertextPastedIntoAnotherTaskOrTenantOrIntoTheResultDoesNotDecrypt() {
        ObjectNode envelope = k1Only.encrypt(PAYLOAD, PayloadCipher.payloadAad("acme", TASK));

        for (String aad : List.of(PayloadCipher.payloadAad("acme", OTHER_TASK), PayloadCipher.payloadAad("evil", TASK),
                PayloadCipher.resultAad("acme", TASK))) {
            assertThatThrownBy(() -> k1Only.decrypt(envelope, aad))
                    .isInstanceOfSatisfying(PayloadCipherException.class, e -> {
                        assertThat(e.reason()).isEqualTo(PayloadCipherException.Reason.AUTHENTICATION_FAILED);
                        assertThat(e.keyId()).isEqualTo("k1");
                        assertThat(e.getMessage()).contains("another task or tenant").doesNotContain(MARKER);
                    });
        }
    }

    @ParameterizedTest(name = "a flipped bit in {0}")
    @ValueSource(strings = {"ct-first", "ct-last", "iv"})
    void aFlippedBitOfCiphertextTagOrIvFailsToAuthenticate(String where) {
        String aad = PayloadCipher.payloadAad("acme", TASK);
        ObjectNode envelope = k1Only.encrypt(PAYLOAD, aad);
        ObjectNode inner = (ObjectNode) envelope.get("encrypted");
        String field = where.startsWith("ct") ? "ct" : "iv";
        byte[] bytes = Base64.getDecoder().decode(inner.get(field).asString());
        int index = where.equals("ct-last") ? bytes.length - 1 : 0; // the last byte is the tag's
        bytes[index] ^= 0x01;
        inner.put(field, Base64.getEncoder().encodeToString(bytes));

        assertThatThrownBy(() -> k1Only.decrypt(envelope, aad)).isInstanceOfSatisfying(PayloadCipherException.class,
                e -> assertThat(e.reason()).isEqualTo(PayloadCipherException.Reason.AUTHENTICATION_FAILED));
    }

    @Test
    void afterRotationTheNewKeyEncryptsAndTheOldOneStillDecrypts() {
        String aad = PayloadCipher.payloadAad("acme", TASK);
        ObjectNode underK1 = k1Only.encrypt(PAYLOAD, aad);
        PayloadCipher rotated = cipher(new KeyRing(null, List.of(Keys.key("k2", 2), Keys.key("k1", 1))));

        assertThat(rotated.decrypt(underK1, aad)).isEqualTo(PAYLOAD);
        ObjectNode underK2 = rotated.encrypt(PAYLOAD, aad);
        assertThat(underK2.get("encrypted").get("kid").asString()).isEqualTo("k2");
        assertThat(rotated.decrypt(underK2, aad)).isEqualTo(PAYLOAD);
    }

    @Test
    void aKeyIdTheRingDoesNotHoldIsNamedClearly() {
        String aad = PayloadCipher.payloadAad("acme", TASK);
        ObjectNode underK2 = cipher(new KeyRing(null, List.of(Keys.key("k2", 2)))).encrypt(PAYLOAD, aad);

        assertThatThrownBy(() -> k1Only.decrypt(underK2, aad)).isInstanceOfSatisfying(PayloadCipherException.class,
                e -> {
                    assertThat(e.reason()).isEqualTo(PayloadCipherException.Reason.UNKNOWN_KEY);
                    assertThat(e.keyId()).isEqualTo("k2");
                    assertThat(e.getMessage()).isEqualTo("the value is encrypted under key 'k2', which this node's "
                            + "key ring does not hold (it holds [k1])");
                });
    }

    @Test
    void aKeyWithTheRightIdButOtherMaterialFailsToAuthenticate() {
        String aad = PayloadCipher.payloadAad("acme", TASK);
        ObjectNode envelope = k1Only.encrypt(PAYLOAD, aad);
        PayloadCipher impostor = cipher(new KeyRing(null, List.of(Keys.key("k1", 9))));
        assertThatThrownBy(() -> impostor.decrypt(envelope, aad)).isInstanceOfSatisfying(PayloadCipherException.class,
                e -> assertThat(e.reason()).isEqualTo(PayloadCipherException.Reason.AUTHENTICATION_FAILED));
    }

    @Test
    void aNodeWithoutKeysCanNeitherEncryptNorDecrypt() {
        PayloadCipher none = new PayloadCipher(KeyProvider.NONE, new SecureRandom());
        ObjectNode envelope = k1Only.encrypt(PAYLOAD, "a/b");

        assertThat(none.isConfigured()).isFalse();
        assertThat(k1Only.isConfigured()).isTrue();
        assertThatThrownBy(() -> none.encrypt(PAYLOAD, "a/b")).isInstanceOfSatisfying(PayloadCipherException.class,
                e -> {
                    assertThat(e.reason()).isEqualTo(PayloadCipherException.Reason.NOT_CONFIGURED);
                    assertThat(e.getMessage()).contains("TASKSTREAM_ENCRYPTION_KEYS");
                });
        assertThatThrownBy(() -> none.decrypt(envelope, "a/b")).isInstanceOfSatisfying(PayloadCipherException.class,
                e -> assertThat(e.reason()).isEqualTo(PayloadCipherException.Reason.NOT_CONFIGURED));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{\"to\": \"x\"}",
            "{\"encrypted\": {\"v\": 1, \"alg\": \"A256GCM\", \"kid\": \"k1\", \"iv\": \"AAAA\"}}",
            "{\"encrypted\": {\"v\": 2, \"alg\": \"A256GCM\", \"kid\": \"k1\", \"iv\": \"AAAA\", \"ct\": \"AAAA\"}}",
            "{\"encrypted\": {\"v\": 1, \"alg\": \"A128GCM\", \"kid\": \"k1\", \"iv\": \"AAAA\", \"ct\": \"AAAA\"}}",
            "{\"encrypted\": {\"v\": 1, \"alg\": \"A256GCM\", \"kid\": 7, \"iv\": \"AAAA\", \"ct\": \"AAAA\"}}",
            "{\"encrypted\": {\"v\": 1, \"alg\": \"A256GCM\", \"kid\": \"k1\", \"iv\": \"!!\", \"ct\": \"AAAA\"}}",
            "{\"encrypted\": {\"v\": 1, \"alg\": \"A256GCM\", \"kid\": \"k1\", \"iv\": 5, \"ct\": \"AAAA\"}}",
            "{\"encrypted\": {\"v\": 1, \"alg\": \"A256GCM\", \"kid\": \"k1\", \"iv\": \"AAAA\", \"ct\": \"AAAA\"}}",
            "{\"encrypted\": {\"v\": 1, \"alg\": \"A256GCM\", \"kid\": \"k1\", \"iv\": \"AAAA\", \"ct\": \"AAAA\"}, \"x\": 1}"
    })
    void whatIsNotAnEnvelopeOfThisVersionIsMalformed(String json) {
        assertThatThrownBy(() -> k1Only.decrypt(Json.mapper().readTree(json), "a/b"))
                .isInstanceOfSatisfying(PayloadCipherException.class,
                        e -> assertThat(e.reason()).isEqualTo(PayloadCipherException.Reason.MALFORMED));
    }

    @Test
    void aSubmissionIsSealedUnderItsOwnIdAndTheDispatchOpensIt() {
        TaskSubmission plain = new TaskSubmission(TASK, "acme", "email.send", PAYLOAD, null, null, null, null, null,
                null, null, null, null, null, null, Instant.parse("2026-11-28T10:00:00Z"));

        TaskSubmission sealed = k1Only.sealPayload(plain);

        assertThat(sealed.encrypt()).isTrue();
        assertThat(Json.mapper().writeValueAsString(sealed)).doesNotContain(MARKER).contains("\"encrypt\":true");
        TaskDispatch dispatch = new TaskDispatch(TASK, "acme", "email.send", sealed.payload(), Priority.NORMAL, 1, 4,
                Duration.ofMinutes(5), null, null, null, true, sealed.createdAt(), sealed.createdAt(),
                sealed.createdAt().plusSeconds(300), 2);
        assertThat(k1Only.openPayload(dispatch).payload()).isEqualTo(PAYLOAD);
        assertThat(k1Only.openPayload(dispatch).withPayload(sealed.payload())).isEqualTo(dispatch);
        assertThatThrownBy(() -> k1Only.sealPayload(plain.withId(null))).isInstanceOf(NullPointerException.class);
    }

    @Test
    void resultsAreBoundToTheirTaskAndNullStaysNull() {
        JsonNode result = Json.mapper().readTree("[\"" + MARKER + "\"]");
        JsonNode sealed = k1Only.sealResult("acme", TASK, result);

        assertThat(sealed.toString()).doesNotContain(MARKER);
        assertThat(k1Only.openResult("acme", TASK, sealed)).isEqualTo(result);
        assertThatThrownBy(() -> k1Only.openPayload("acme", TASK, sealed)).isInstanceOf(PayloadCipherException.class);
        assertThat(k1Only.sealResult("acme", TASK, null)).isNull();
        assertThat(k1Only.openResult("acme", TASK, null)).isNull();
        assertThat(k1Only.openPayload("acme", TASK, k1Only.encrypt(PAYLOAD, PayloadCipher.payloadAad("acme", TASK))))
                .isEqualTo(PAYLOAD);
    }

    @Test
    void neitherTheCipherNorItsRingShowsKeyMaterial() {
        PayloadCipher cipher = cipher(new KeyRing("k1", List.of(Keys.key("k2", 2), Keys.key("k1", 1))));
        assertThat(cipher.toString()).isEqualTo("PayloadCipher[KeyRing[active=k1, keys=[k2, k1]]]")
                .doesNotContain(Keys.base64(1)).doesNotContain(Keys.base64(2));
        assertThat(Keys.key("k1", 1).toString()).isEqualTo("DataKey[k1]");
        assertThat(KeyRing.EMPTY.toString()).isEqualTo("KeyRing[]");
    }
}
