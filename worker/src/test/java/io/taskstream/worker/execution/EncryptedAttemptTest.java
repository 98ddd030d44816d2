package io.taskstream.worker.execution;

import static io.taskstream.worker.support.Dispatches.T0;
import static io.taskstream.worker.support.Dispatches.dispatch;
import static io.taskstream.worker.support.Dispatches.encrypted;
import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.MutableClock;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.crypto.DataKey;
import io.taskstream.schemas.crypto.KeyProvider;
import io.taskstream.schemas.crypto.KeyRing;
import io.taskstream.schemas.crypto.PayloadCipher;
import io.taskstream.worker.cancellation.CancellationCheck;
import io.taskstream.worker.handler.HandlerRegistry;
import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;
import io.taskstream.worker.support.InMemoryCancellationFlags;
import io.taskstream.worker.support.RecordingReporter;
import tools.jackson.databind.JsonNode;

/** The executor's side of encrypted tasks: decrypt before the handler, encrypt the result, fail what cannot be. */
class EncryptedAttemptTest {

    static final String MARKER = "confidential-7f3a";
    static final byte[] K1 = new byte[32];
    static final byte[] K2 = Base64.getDecoder().decode("3q2+7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhs=");

    final MutableClock clock = new MutableClock(T0);
    final RecordingReporter reporter = new RecordingReporter();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final PayloadCipher k1 = cipher(new KeyRing(null, List.of(DataKey.of("k1", K1))));
    final AtomicReference<TaskContext> seen = new AtomicReference<>();

    static PayloadCipher cipher(KeyRing ring) {
        return new PayloadCipher(() -> ring, new SecureRandom());
    }

    TaskHandler handler(String type, HandlerResult answer) {
        return new TaskHandler() {
            @Override
            public String type() {
                return type;
            }

            @Override
            public HandlerResult handle(TaskContext context) {
                seen.set(context);
                return answer;
            }
        };
    }

    TaskHandler throwing(String type, RuntimeException failure) {
        return new TaskHandler() {
            @Override
            public String type() {
                return type;
            }

            @Override
            public HandlerResult handle(TaskContext context) {
                throw failure;
            }
        };
    }

    TaskExecutor executor(PayloadCipher cipher, TaskHandler handler) {
        return new TaskExecutor(HandlerRegistry.of(List.of(handler)), AttemptLeases.NONE, AttemptGuard.NONE, reporter,
                new CancellationCheck(new InMemoryCancellationFlags(), clock, Duration.ofMillis(500), meters), clock,
                meters, new TaskExecutor.Settings("worker-1", 10_000), cipher);
    }

    @Test
    void theHandlerSeesThePlaintextAndTheResultLeavesEncrypted() throws Exception {
        TaskDispatch plain = dispatch(UUID.randomUUID(), "email.send", Map.of("to", "a@example.com", "body", MARKER),
                1, 4, 7);
        TaskDispatch dispatch = encrypted(plain, k1);

        AttemptResult result = executor(k1, handler("email.send", HandlerResult.completed(Map.of("echo", MARKER))))
                .execute(dispatch).get();

        assertThat(seen.get().payload()).isEqualTo(plain.payload());
        assertThat(seen.get().isEncrypted()).isTrue();
        assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(Json.mapper().writeValueAsString(result)).doesNotContain(MARKER);
        assertThat(PayloadCipher.isEnvelope(result.result())).isTrue();
        assertThat(k1.openResult("acme", plain.taskId(), result.result()).get("echo").asString()).isEqualTo(MARKER);
        assertThat(Json.mapper().writeValueAsString(reporter.events)).doesNotContain(MARKER);
    }

    @Test
    void aPlainTaskIsLeftAlone() throws Exception {
        TaskDispatch plain = dispatch(UUID.randomUUID(), "email.send", Map.of("to", "a@example.com"), 1, 4, 7);

        AttemptResult result = executor(k1, handler("email.send", HandlerResult.completed(Map.of("id", "m-1"))))
                .execute(plain).get();

        assertThat(seen.get().isEncrypted()).isFalse();
        assertThat(result.result().get("id").asString()).isEqualTo("m-1");
    }

    @Test
    void aPayloadUnderAKeyThisWorkerDoesNotHoldFailsPermanentlyWithoutReachingTheHandler() throws Exception {
        PayloadCipher k2 = cipher(new KeyRing(null, List.of(DataKey.of("k2", K2))));
        TaskDispatch dispatch = encrypted(dispatch(UUID.randomUUID(), "email.send", Map.of("body", MARKER), 1, 4, 7),
                k2);

        AttemptResult result = executor(k1, handler("email.send", HandlerResult.completed())).execute(dispatch).get();

        assertThat(seen.get()).isNull();
        assertThat(result.outcome()).isEqualTo(AttemptOutcome.FAILED);
        assertThat(result.error().code()).isEqualTo(TaskExecutor.PAYLOAD_UNDECRYPTABLE);
        assertThat(result.error().retryable()).isFalse();
        assertThat(result.error().message()).contains("key 'k2'").contains("worker-1").doesNotContain(MARKER);
    }

    @Test
    void aWorkerWithoutAKeyRingFailsEncryptedTasksPermanently() throws Exception {
        TaskDispatch dispatch = encrypted(dispatch(UUID.randomUUID(), "email.send", Map.of("body", MARKER), 1, 4, 7),
                k1);
        PayloadCipher none = new PayloadCipher(KeyProvider.NONE, new SecureRandom());

        AttemptResult result = executor(none, handler("email.send", HandlerResult.completed())).execute(dispatch)
                .get();

        assertThat(seen.get()).isNull();
        assertThat(result.error().code()).isEqualTo(TaskExecutor.PAYLOAD_UNDECRYPTABLE);
        assertThat(result.error().message()).contains("not configured");
    }

    @Test
    void aPlainPayloadFlaggedEncryptedFailsPermanently() throws Exception {
        TaskDispatch plain = dispatch(UUID.randomUUID(), "email.send", Map.of("body", MARKER), 1, 4, 7);
        TaskDispatch flagged = new TaskDispatch(plain.taskId(), plain.tenantId(), plain.type(), plain.payload(),
                plain.priority(), 1, 4, plain.timeout(), null, null, null, true, T0, T0, plain.deadline(), 7);

        AttemptResult result = executor(k1, handler("email.send", HandlerResult.completed())).execute(flagged).get();

        assertThat(result.error().code()).isEqualTo(TaskExecutor.PAYLOAD_UNDECRYPTABLE);
        assertThat(result.error().message()).doesNotContain(MARKER);
    }

    @Test
    void aHandlerExceptionOfAnEncryptedTaskKeepsItsMessageOutOfTheFailure() throws Exception {
        TaskDispatch dispatch = encrypted(dispatch(UUID.randomUUID(), "email.send", Map.of("body", MARKER), 1, 4, 7),
                k1);

        AttemptResult result = executor(k1, throwing("email.send",
                new IllegalArgumentException("bad body " + MARKER))).execute(dispatch).get();

        assertThat(result.error().code()).isEqualTo(TaskExecutor.HANDLER_ERROR);
        assertThat(result.error().retryable()).isTrue();
        assertThat(result.error().message()).isEqualTo(
                "java.lang.IllegalArgumentException (message withheld: the task is encrypted)");
    }

    @Test
    void aResultTheWorkerCanNoLongerEncryptFailsTheAttempt() throws Exception {
        AtomicReference<KeyRing> ring = new AtomicReference<>(new KeyRing(null, List.of(DataKey.of("k1", K1))));
        PayloadCipher rotating = new PayloadCipher(ring::get, new SecureRandom());
        TaskDispatch dispatch = encrypted(dispatch(UUID.randomUUID(), "email.send", Map.of("body", "x"), 1, 4, 7),
                rotating);
        TaskHandler dropsTheRing = new TaskHandler() {
            @Override
            public String type() {
                return "email.send";
            }

            @Override
            public HandlerResult handle(TaskContext context) {
                ring.set(KeyRing.EMPTY); // a KMS provider that lost its keys while the handler ran
                return HandlerResult.completed(Map.of("r", 1));
            }
        };

        AttemptResult result = executor(rotating, dropsTheRing).execute(dispatch).get();

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.FAILED);
        assertThat(result.error().code()).isEqualTo(TaskExecutor.RESULT_UNENCRYPTABLE);
        assertThat(result.error().retryable()).isFalse();
        JsonNode nothing = result.result();
        assertThat(nothing).isNull();
    }
}
