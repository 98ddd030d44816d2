package io.taskstream.ingest.dlq;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.schemas.Violation;

/**
 * Where a page of {@code GET /dlq} ended: the last item's {@code (deadLetteredAt, taskId)}, the keyset
 * the listing is ordered by (newest first). On the wire it is opaque — Base64url of
 * {@code v1|<instant>|<taskId>} — so that its form may change without breaking clients.
 */
record DlqCursor(Instant deadLetteredAt, UUID taskId) {

    private static final String VERSION = "v1";

    String encode() {
        String plain = VERSION + "|" + deadLetteredAt + "|" + taskId;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /** The cursor a previous page handed out; anything else is {@code 400 validation_failed}. */
    static DlqCursor decode(String cursor) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|");
            if (parts.length == 3 && parts[0].equals(VERSION)) {
                return new DlqCursor(Instant.parse(parts[1]), UUID.fromString(parts[2]));
            }
        } catch (IllegalArgumentException | DateTimeException e) {
            // falls through to the one answer for every bad cursor
        }
        throw ApiException.validation(List.of(new Violation("cursor", "is not a cursor this API handed out")));
    }
}
