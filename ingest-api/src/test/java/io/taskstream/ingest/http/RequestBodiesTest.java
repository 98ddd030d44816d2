package io.taskstream.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;

import org.junit.jupiter.api.Test;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

class RequestBodiesTest {

    @Test
    void bodyWithinTheLimitIsReadWhole() throws Exception {
        assertThat(RequestBodies.read(new ByteArrayInputStream(new byte[10]), 10, 10)).hasSize(10);
    }

    @Test
    void declaredLengthOverTheLimitIsRefusedWithoutReading() {
        InputStream never = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("must not read");
            }
        };

        assertThatThrownBy(() -> RequestBodies.read(never, 11, 10))
                .isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
    }

    @Test
    void undeclaredBodyOverTheLimitIsRefused() {
        assertThatThrownBy(() -> RequestBodies.read(new ByteArrayInputStream(new byte[11]), -1, 10))
                .isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
    }
}
