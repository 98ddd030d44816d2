package io.taskstream.ingest.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.schemas.Violation;

/**
 * Where a page of a newest-first keyset listing ended: the last item's {@code (at, id)} — e.g. a task's
 * {@code (createdAt, id)} or a dead letter's {@code (deadLetteredAt, taskId)} — so that the next page
 * is {@code WHERE (at, id) < (?, ?) ORDER BY at DESC, id DESC}. Rows inserted meanwhile never shift a
 * page (unlike {@code OFFSET}).
 *
 * <p>On the wire it is opaque: Base64url of {@code v2|<instant>|<id>|<check>}, where {@code check} is a
 * digest of the position and the <i>scope</i> — the listing, the tenant and the filters of the query
 * that handed it out. A cursor is honoured only by the query it came from: one of another listing,
 * tenant or filter set, or one that was altered, is {@code 400 validation_failed} on {@code cursor}.
 * The digest is not keyed: it catches mistakes (a cursor pasted into the wrong query, a truncated or
 * edited one), not forgery — a forged cursor gains nothing, since every listing is confined to the
 * caller's tenant whatever the cursor says.
 */
public record KeysetCursor(Instant at, UUID id) {

    private static final String VERSION = "v2";
    private static final String FIELD = "cursor";
    /** Bytes of the digest kept in the cursor: 96 bits, plenty to catch mistakes. */
    private static final int CHECK_BYTES = 12;

    /** The wire form for a page of the query identified by {@code scope}. */
    public String encode(String scope) {
        String plain = VERSION + "|" + at + "|" + id + "|" + check(scope, at, id);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The position a previous page of the same query ({@code scope}) handed out; a cursor of anything
     * else is {@code 400 validation_failed}. Null or empty means "from the newest".
     */
    public static KeysetCursor decode(String wire, String scope) {
        if (wire == null || wire.isEmpty()) {
            return null;
        }
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(wire), StandardCharsets.UTF_8).split("\\|", -1);
            if (parts.length == 4 && parts[0].equals(VERSION)) {
                Instant at = Instant.parse(parts[1]);
                UUID id = UUID.fromString(parts[2]);
                if (MessageDigest.isEqual(check(scope, at, id).getBytes(StandardCharsets.US_ASCII),
                        parts[3].getBytes(StandardCharsets.US_ASCII))) {
                    return new KeysetCursor(at, id);
                }
            }
        } catch (IllegalArgumentException | DateTimeException e) {
            // falls through to the one answer for every bad cursor
        }
        throw ApiException.validation(List.of(new Violation(FIELD,
                "is not a cursor this API handed out for this query (same path, same filters)")));
    }

    private static String check(String scope, Instant at, UUID id) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((scope + "\n" + at + "\n" + id).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, CHECK_BYTES));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
