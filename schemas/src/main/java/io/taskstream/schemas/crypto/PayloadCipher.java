package io.taskstream.schemas.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

import io.taskstream.schemas.Json;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskSubmission;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Encrypts task payloads and results with AES-256-GCM under the active key of a {@link KeyRing}, and
 * decrypts them with whichever key of the ring made them.
 *
 * <h2>The envelope</h2>
 * An encrypted value takes the place of the plaintext JSON value on the wire and in the database:
 * <pre>
 * {"encrypted": {"v": 1, "alg": "A256GCM", "kid": "k2", "iv": "&lt;Base64, 12 bytes&gt;",
 *                "ct": "&lt;Base64: ciphertext followed by the 16-byte tag&gt;"}}
 * </pre>
 * The plaintext is the value's JSON serialization (UTF-8). The IV is 96 random bits from the injected
 * {@link SecureRandom}, fresh for every encryption; {@code kid} says which key of the ring decrypts it,
 * so rotation needs no re-encryption.
 *
 * <h2>Associated data</h2>
 * The ciphertext is bound to its task: the additional authenticated data is
 * {@code <tenantId>/<taskId>} for the payload ({@link #payloadAad}) and {@code <tenantId>/<taskId>/result}
 * for the result ({@link #resultAad}). A ciphertext copied into another task, another tenant, or from
 * payload to result does not decrypt.
 *
 * <h2>Limits</h2>
 * Random 96-bit IVs keep the chance of an IV collision negligible up to 2<sup>32</sup> encryptions per key
 * (NIST SP 800-38D); rotate long before that. Nothing but {@code payload} and {@code result} is
 * encrypted. Thread-safe: each operation gets its own {@link Cipher}.
 */
public final class PayloadCipher {

    /** The single field of an envelope. */
    public static final String ENVELOPE_FIELD = "encrypted";
    public static final int VERSION = 1;
    public static final String ALGORITHM = "A256GCM";
    private static final Set<String> ENVELOPE_FIELDS = Set.of("v", "alg", "kid", "iv", "ct");
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final KeyProvider keys;
    private final SecureRandom random;

    public PayloadCipher(KeyProvider keys, SecureRandom random) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** Whether this node holds a key ring (else every operation fails with {@code NOT_CONFIGURED}). */
    public boolean isConfigured() {
        return !keys.keyRing().isEmpty();
    }

    /** The associated data of a task's payload: {@code <tenantId>/<taskId>}. */
    public static String payloadAad(String tenantId, UUID taskId) {
        return tenantId + "/" + taskId;
    }

    /** The associated data of a task's result: {@code <tenantId>/<taskId>/result}. */
    public static String resultAad(String tenantId, UUID taskId) {
        return payloadAad(tenantId, taskId) + "/result";
    }

    /**
     * Whether {@code value} has the shape of an envelope: an object whose only field is
     * {@value #ENVELOPE_FIELD}, an object with exactly the envelope's fields. (It may still fail to decrypt.)
     */
    public static boolean isEnvelope(JsonNode value) {
        if (value == null || !value.isObject() || value.size() != 1) {
            return false;
        }
        JsonNode inner = value.get(ENVELOPE_FIELD);
        return inner != null && inner.isObject() && inner.size() == ENVELOPE_FIELDS.size()
                && inner.propertyNames().stream().allMatch(ENVELOPE_FIELDS::contains);
    }

    /**
     * Encrypts {@code plaintext} under the ring's active key.
     *
     * @throws PayloadCipherException {@code NOT_CONFIGURED} when this node has no key ring
     */
    public ObjectNode encrypt(JsonNode plaintext, String aad) {
        Objects.requireNonNull(plaintext, "plaintext");
        DataKey key = keys.keyRing().active();
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        byte[] ciphertext;
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key.secretKey(), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            ciphertext = cipher.doFinal(Json.mapper().writeValueAsBytes(plaintext));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is required of every JVM", e);
        }
        ObjectNode envelope = Json.mapper().createObjectNode();
        envelope.putObject(ENVELOPE_FIELD)
                .put("v", VERSION)
                .put("alg", ALGORITHM)
                .put("kid", key.id())
                .put("iv", Base64.getEncoder().encodeToString(iv))
                .put("ct", Base64.getEncoder().encodeToString(ciphertext));
        return envelope;
    }

    /**
     * Decrypts an envelope made by {@link #encrypt} with the same {@code aad}.
     *
     * @throws PayloadCipherException {@code MALFORMED} (not an envelope of this version),
     *                                {@code NOT_CONFIGURED}, {@code UNKNOWN_KEY} (its {@code kid} is not in
     *                                the ring), {@code AUTHENTICATION_FAILED} (altered, or another task's)
     */
    public JsonNode decrypt(JsonNode envelope, String aad) {
        if (!isEnvelope(envelope)) {
            throw malformed(null, "the value is not an encrypted envelope ({\"" + ENVELOPE_FIELD
                    + "\": {\"v\", \"alg\", \"kid\", \"iv\", \"ct\"}})");
        }
        JsonNode inner = envelope.get(ENVELOPE_FIELD);
        String kid = inner.get("kid").isString() ? inner.get("kid").asString() : null;
        if (!inner.get("v").isInt() || inner.get("v").asInt() != VERSION
                || !ALGORITHM.equals(inner.get("alg").asString(null))) {
            throw malformed(kid, "the envelope is not version " + VERSION + " with algorithm " + ALGORITHM);
        }
        if (kid == null) {
            throw malformed(null, "the envelope's kid is not a string");
        }
        KeyRing ring = keys.keyRing();
        if (ring.isEmpty()) {
            throw new PayloadCipherException(PayloadCipherException.Reason.NOT_CONFIGURED, kid,
                    "the value is encrypted under key '" + kid + "' but payload encryption is not configured on "
                            + "this node (no key ring)");
        }
        DataKey key = ring.find(kid).orElseThrow(() -> new PayloadCipherException(
                PayloadCipherException.Reason.UNKNOWN_KEY, kid, "the value is encrypted under key '" + kid
                        + "', which this node's key ring does not hold (it holds " + ring.keyIds() + ")"));
        byte[] iv = base64(inner.get("iv"), kid, "iv");
        byte[] ciphertext = base64(inner.get("ct"), kid, "ct");
        if (iv.length != IV_BYTES || ciphertext.length < TAG_BITS / 8) {
            throw malformed(kid, "the envelope's iv or ct has the wrong length");
        }
        byte[] plaintext;
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key.secretKey(), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            plaintext = cipher.doFinal(ciphertext);
        } catch (AEADBadTagException e) {
            throw new PayloadCipherException(PayloadCipherException.Reason.AUTHENTICATION_FAILED, kid,
                    "the value encrypted under key '" + kid + "' does not authenticate: it was altered, or it "
                            + "belongs to another task or tenant");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is required of every JVM", e);
        }
        try {
            return Json.mapper().readTree(plaintext);
        } catch (JacksonException e) {
            // authenticated, so made with our key: only a producer encrypting non-JSON gets here
            throw malformed(kid, "the decrypted value is not JSON");
        }
    }

    /** {@code submission} with its payload encrypted (it needs its id) and {@code encrypt = true}. */
    public TaskSubmission sealPayload(TaskSubmission submission) {
        Objects.requireNonNull(submission.id(), "an encrypted submission needs its id (the payload is bound to it)");
        return submission.withEncryptedPayload(
                encrypt(submission.payload(), payloadAad(submission.tenantId(), submission.id())));
    }

    /** {@code dispatch} with its payload decrypted; see {@link #decrypt} for the failures. */
    public TaskDispatch openPayload(TaskDispatch dispatch) {
        return dispatch.withPayload(decrypt(dispatch.payload(), payloadAad(dispatch.tenantId(), dispatch.taskId())));
    }

    /** A task's result, encrypted; null stays null. */
    public JsonNode sealResult(String tenantId, UUID taskId, JsonNode result) {
        return result == null ? null : encrypt(result, resultAad(tenantId, taskId));
    }

    /** A task's encrypted result, decrypted; null stays null. */
    public JsonNode openResult(String tenantId, UUID taskId, JsonNode sealed) {
        return sealed == null || sealed.isNull() ? sealed : decrypt(sealed, resultAad(tenantId, taskId));
    }

    /** A task's encrypted payload, decrypted. */
    public JsonNode openPayload(String tenantId, UUID taskId, JsonNode sealed) {
        return decrypt(sealed, payloadAad(tenantId, taskId));
    }

    private static byte[] base64(JsonNode value, String kid, String field) {
        if (!value.isString()) {
            throw malformed(kid, "the envelope's " + field + " is not a string");
        }
        try {
            return Base64.getDecoder().decode(value.asString());
        } catch (IllegalArgumentException e) {
            throw malformed(kid, "the envelope's " + field + " is not Base64");
        }
    }

    private static PayloadCipherException malformed(String kid, String message) {
        return new PayloadCipherException(PayloadCipherException.Reason.MALFORMED, kid, message);
    }

    @Override
    public String toString() {
        return "PayloadCipher[" + keys.keyRing() + "]";
    }
}
