package io.taskstream.ingest.http;

import java.io.IOException;
import java.io.InputStream;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

/** Reads a request body without ever holding more than a limit in memory. */
public final class RequestBodies {

    private RequestBodies() {
    }

    /**
     * The body's bytes; a declared or actual length over {@code limit} is {@code 413 payload_too_large}
     * (answered before reading when {@code Content-Length} already says so).
     */
    public static byte[] read(InputStream in, long declaredLength, long limit) throws IOException {
        if (declaredLength > limit) {
            throw tooLarge(limit);
        }
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        if (bytes.length > limit) {
            throw tooLarge(limit);
        }
        return bytes;
    }

    private static ApiException tooLarge(long limit) {
        return new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "the request body is larger than " + limit + " bytes");
    }
}
