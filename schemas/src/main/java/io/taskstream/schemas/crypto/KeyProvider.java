package io.taskstream.schemas.crypto;

/**
 * Where a node's data keys come from. The built-in providers read them from the environment
 * ({@link EnvKeyProvider}) or from a file ({@link FileKeyProvider}) once, at start-up; a cloud KMS
 * implementation would unwrap its data keys (e.g. on start-up and on a timer) and answer the current
 * ring here. In the services and the worker starter, a {@code KeyProvider} bean marked
 * {@code @Primary} replaces the built-in one.
 */
@FunctionalInterface
public interface KeyProvider {

    /** A provider without keys: encryption is not configured. */
    KeyProvider NONE = () -> KeyRing.EMPTY;

    /**
     * The ring to use now: its active key encrypts, all of its keys decrypt. Called for every
     * encryption and decryption, so it must be cheap (keep the ring, do not fetch it each time).
     */
    KeyRing keyRing();
}
