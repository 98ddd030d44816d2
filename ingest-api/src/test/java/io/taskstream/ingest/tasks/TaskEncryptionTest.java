package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Violation;
import io.taskstream.schemas.crypto.DataKey;
import io.taskstream.schemas.crypto.KeyProvider;
import io.taskstream.schemas.crypto.KeyRing;
import io.taskstream.schemas.crypto.PayloadCipher;
import tools.jackson.databind.JsonNode;

class TaskEncryptionTest {

    static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");
    static final UUID ID = UUID.fromString("0190f3a2-7c4e-7abc-8def-0123456789ab");
    static final JsonNode PAYLOAD = Json.mapper().readTree("{\"card\": \"4111-secret\"}");
    static final JsonNode RESULT = Json.mapper().readTree("{\"ok\": \"done-secret\"}");

    final PayloadCipher k1 = cipher("k1", 1);
    final TaskEncryption encryption = new TaskEncryption(k1);

    static PayloadCipher cipher(String id, int seed) {
        byte[] key = new byte[32];
        key[0] = (byte) seed;
        KeyRing ring = new KeyRing(null, List.of(DataKey.of(id, key)));
        return new PayloadCipher(() -> ring, new SecureRandom());
    }

    static TaskSubmission submission(boolean encrypt) {
        return new TaskSubmission(ID, "acme", "charge", PAYLOAD, null, null, null, null, null, null, null, null,
                Map.of(), encrypt, null, NOW);
    }

    static TaskView view(JsonNode result, JsonNode payload, Boolean encrypted) {
        return new TaskView(ID, "acme", "charge", Priority.NORMAL, TaskStatus.COMPLETED, 1, 4, NOW, NOW, NOW, NOW, NOW,
                result, null, Map.of(), null, null, null, null, payload, encrypted, null);
    }

    @Test
    void onlyATaskThatAsksForItIsSealedAndItsViewSaysSo() {
        TaskSubmission sealed = encryption.seal(submission(true));

        assertThat(sealed.encrypt()).isTrue();
        assertThat(sealed.payload().toString()).doesNotContain("4111");
        assertThat(k1.openPayload("acme", ID, sealed.payload())).isEqualTo(PAYLOAD);
        assertThat(TaskView.pending(sealed, null).encrypted()).isTrue();
        assertThat(encryption.seal(submission(false))).isEqualTo(submission(false));
        assertThat(TaskView.pending(submission(false), null).encrypted()).isNull();
    }

    @Test
    void withoutAKeyRingAnEncryptedTaskIsAValidationErrorOnTheEncryptField() {
        TaskEncryption none = new TaskEncryption(new PayloadCipher(KeyProvider.NONE, new SecureRandom()));

        assertThatThrownBy(() -> none.seal(submission(true))).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
            assertThat(e.errors()).containsExactly(new Violation("encrypt", TaskEncryption.NOT_CONFIGURED));
        });
        assertThat(none.seal(submission(false)).payload()).isEqualTo(PAYLOAD);
    }

    @Test
    void aViewIsOpenedForItsTenantPayloadAndResultAlike() {
        TaskView sealed = view(k1.sealResult("acme", ID, RESULT), encryption.seal(submission(true)).payload(), true);

        TaskView opened = encryption.open(sealed);

        assertThat(opened.payload()).isEqualTo(PAYLOAD);
        assertThat(opened.result()).isEqualTo(RESULT);
        assertThat(opened.encrypted()).isTrue();
        assertThat(opened.decryptionError()).isNull();
        assertThat(Json.mapper().writeValueAsString(opened)).contains("\"encrypted\":true")
                .doesNotContain("decryptionError");
    }

    @Test
    void aRowTheProjectionWroteIsRecognisedByItsEnvelopeAlone() {
        TaskView sealedResultOnly = view(k1.sealResult("acme", ID, RESULT), null, null);

        TaskView opened = encryption.open(sealedResultOnly);

        assertThat(opened.result()).isEqualTo(RESULT);
        assertThat(opened.payload()).isNull();
        assertThat(opened.encrypted()).isTrue();
    }

    @Test
    void whatThisNodeCannotDecryptStaysSealedAndTheViewSaysWhy() {
        JsonNode foreignPayload = cipher("k9", 9).encrypt(PAYLOAD, PayloadCipher.payloadAad("acme", ID));
        TaskView view = view(k1.sealResult("acme", ID, RESULT), foreignPayload, true);

        TaskView opened = encryption.open(view);

        assertThat(opened.payload()).isEqualTo(foreignPayload);
        assertThat(opened.result()).isEqualTo(RESULT);
        assertThat(opened.decryptionError()).isEqualTo("the payload could not be decrypted: the value is encrypted "
                + "under key 'k9', which this node's key ring does not hold (it holds [k1])");
    }

    @Test
    void aPlainViewIsLeftAlone() {
        TaskView plain = view(RESULT, PAYLOAD, null);

        assertThat(encryption.open(plain)).isSameAs(plain);
        assertThat(Json.mapper().writeValueAsString(plain)).doesNotContain("encrypted").doesNotContain("decryption");
    }
}
