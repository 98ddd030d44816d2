package io.taskstream.ingest.tasks;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Violation;
import io.taskstream.schemas.crypto.EncryptionSettings;
import io.taskstream.schemas.crypto.PayloadCipher;
import io.taskstream.schemas.crypto.PayloadCipherException;
import tools.jackson.databind.JsonNode;

/**
 * The API's side of payload encryption ({@code "encrypt": true}): it seals a task's payload once the
 * request has been validated, its size checked and its idempotency hash taken (all on the plaintext),
 * and before anything is written to Kafka, Postgres or Redis; and it opens the payload and result of
 * the views it answers with, for the caller, who may read them ({@link PayloadCipher} says how).
 *
 * <p>A view whose payload or result this node cannot decrypt (its key id is not in this node's ring,
 * or the ring is missing) is still answered: the field stays encrypted and {@code decryptionError}
 * says why; a warning names the task and the key id, never the content.
 */
public class TaskEncryption {

    private static final Logger log = LoggerFactory.getLogger(TaskEncryption.class);

    static final String NOT_CONFIGURED = "payload encryption is not configured on this server: it needs a key ring ("
            + EncryptionSettings.KEYS_VARIABLE + " or " + EncryptionSettings.KEYS_FILE_VARIABLE + ")";

    private final PayloadCipher cipher;

    public TaskEncryption(PayloadCipher cipher) {
        this.cipher = cipher;
    }

    /**
     * The submission as it is to be stored and sent: its payload encrypted when it asks for it, else
     * unchanged.
     *
     * @throws ApiException {@code 400 validation_failed} (field {@code encrypt}) when it asks for
     *                      encryption and this node has no key ring
     */
    public TaskSubmission seal(TaskSubmission submission) {
        if (!submission.encrypt()) {
            return submission;
        }
        if (!cipher.isConfigured()) {
            throw ApiException.validation(List.of(new Violation("encrypt", NOT_CONFIGURED)));
        }
        return cipher.sealPayload(submission);
    }

    /** The view with its payload (if it has one) and result decrypted; a view of a plain task unchanged. */
    public TaskView open(TaskView view) {
        if (!view.needsDecryption()) {
            return view;
        }
        String[] error = new String[1];
        JsonNode payload = open(view, "payload", view.payload(), error);
        JsonNode result = open(view, "result", view.result(), error);
        return view.withDecrypted(payload, result, error[0]);
    }

    /** One field decrypted, or left as it is with the first failure's message in {@code error[0]}. */
    private JsonNode open(TaskView view, String field, JsonNode sealed, String[] error) {
        if (!PayloadCipher.isEnvelope(sealed)) {
            return sealed; // absent, or never encrypted (e.g. a result a worker without encryption support wrote)
        }
        try {
            return field.equals("payload") ? cipher.openPayload(view.tenantId(), view.id(), sealed)
                    : cipher.openResult(view.tenantId(), view.id(), sealed);
        } catch (PayloadCipherException e) {
            log.warn("Could not decrypt the {} of task {} (key {}): {}", field, view.id(), e.keyId(), e.reason());
            if (error[0] == null) {
                error[0] = "the " + field + " could not be decrypted: " + e.getMessage();
            }
            return sealed;
        }
    }
}
