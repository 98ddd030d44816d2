package io.taskstream.ingest.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an API key looks like: {@code ts_<prefix>_<secret>}. The prefix is public — it names the key
 * in listings and logs and is how the key is found ({@code api_keys.prefix}); the secret is stored
 * only as its SHA-256 digest. A minted key has a 12-character prefix and a 40-character secret of
 * letters and digits (≈ 238 bits), so no key needs a slow hash: guessing is hopeless either way.
 */
public final class KeyFormat {

    /** Longer presented values are refused before any work (they are not keys). */
    public static final int MAX_LENGTH = 200;
    static final int PREFIX_LENGTH = 12;
    static final int SECRET_LENGTH = 40;
    private static final Pattern FORMAT = Pattern.compile("ts_([A-Za-z0-9]{1,32})_([A-Za-z0-9]{1,160})");
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final char[] PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private KeyFormat() {
    }

    /** A key taken apart; {@link #toString} hides the secret. */
    public record Parsed(String prefix, String secret) {

        public byte[] secretHash() {
            return sha256(secret);
        }

        public String key() {
            return "ts_" + prefix + "_" + secret;
        }

        @Override
        public String toString() {
            return "ts_" + prefix + "_****";
        }
    }

    /** The parts of {@code presented}, or empty when it is not a key at all. */
    public static Optional<Parsed> parse(String presented) {
        if (presented == null || presented.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        Matcher m = FORMAT.matcher(presented);
        return m.matches() ? Optional.of(new Parsed(m.group(1), m.group(2))) : Optional.empty();
    }

    /** A new key with a random prefix and secret. */
    public static Parsed generate(RandomGenerator random) {
        return new Parsed(random(random, PREFIX_ALPHABET, PREFIX_LENGTH), newSecret(random));
    }

    /** A new random secret (for a rotation, which keeps the prefix). */
    public static String newSecret(RandomGenerator random) {
        return random(random, ALPHABET, SECRET_LENGTH);
    }

    /** The SHA-256 digest of a secret's UTF-8 bytes, the form in which secrets are stored and compared. */
    public static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static String random(RandomGenerator random, char[] alphabet, int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return new String(chars);
    }
}
