package io.taskstream.schemas.crypto;

/**
 * A payload or result that could not be encrypted or decrypted, and why. The message names the key id
 * at most: never key material, never plaintext.
 */
public class PayloadCipherException extends RuntimeException {

    /** Why the operation failed. */
    public enum Reason {
        /** This node has no key ring. */
        NOT_CONFIGURED,
        /** The ciphertext names a key id this node's ring does not hold. */
        UNKNOWN_KEY,
        /** The value is not an envelope this version understands (shape, version, algorithm, Base64). */
        MALFORMED,
        /**
         * The key is known but the ciphertext does not authenticate: it was altered, or it belongs to
         * another task or tenant (the associated data differs).
         */
        AUTHENTICATION_FAILED
    }

    private final Reason reason;
    private final String keyId;

    public PayloadCipherException(Reason reason, String keyId, String message) {
        super(message);
        this.reason = reason;
        this.keyId = keyId;
    }

    public Reason reason() {
        return reason;
    }

    /** The key id the envelope names, when it names one. */
    public String keyId() {
        return keyId;
    }
}
