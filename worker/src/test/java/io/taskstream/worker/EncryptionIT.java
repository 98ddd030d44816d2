package io.taskstream.worker;

import static io.taskstream.worker.support.Dispatches.dispatch;
import static io.taskstream.worker.support.Dispatches.encrypted;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.crypto.DataKey;
import io.taskstream.schemas.crypto.KeyRing;
import io.taskstream.schemas.crypto.PayloadCipher;
import io.taskstream.worker.samples.EmailSendHandler;
import io.taskstream.worker.support.WorkerHarness;
import io.taskstream.worker.support.WorkerHarness.Seen;
import tools.jackson.databind.JsonNode;

/**
 * Encrypted tasks through a real worker (embedded Kafka and Redis): the handler gets the plaintext, Kafka
 * sees only envelopes, what cannot be decrypted fails for good, and nothing secret reaches the log.
 */
@ExtendWith(OutputCaptureExtension.class)
class EncryptionIT {

    static final String MARKER = "marker-" + UUID.randomUUID();
    static final byte[] K1 = new SecureRandom().generateSeed(32);
    static final byte[] K9 = new SecureRandom().generateSeed(32);

    final WorkerHarness harness = new WorkerHarness(SharedInfrastructure.forClass(EncryptionIT.class));
    /** What the API (or a direct producer) encrypts with: the worker's ring. */
    final PayloadCipher producer = cipher("k1", K1);

    static PayloadCipher cipher(String id, byte[] key) {
        KeyRing ring = new KeyRing(null, List.of(DataKey.of(id, key)));
        return new PayloadCipher(() -> ring, new SecureRandom());
    }

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void anEncryptedTaskReachesItsHandlerIntactAndOnlyEnvelopesAndNoSecretsLeaveTheWorker(CapturedOutput output) {
        String k1 = Base64.getEncoder().encodeToString(K1);
        ConfigurableApplicationContext worker = harness.startWorker("it-enc-1",
                Map.of("taskstream.encryption.keys", "k1:" + k1));
        TaskDispatch email = dispatch(UUID.randomUUID(), "email.send",
                Map.of("to", "a@example.com", "subject", "hi", "body", MARKER), 1, 4, 3);
        TaskDispatch logged = dispatch(UUID.randomUUID(), "log", Map.of("note", MARKER), 1, 4, 3);
        TaskDispatch foreign = dispatch(UUID.randomUUID(), "email.send", Map.of("to", MARKER), 1, 4, 3);

        harness.publishAll(List.of(encrypted(email, producer), encrypted(logged, producer),
                encrypted(foreign, cipher("k9", K9))));
        Seen seen = harness.awaitSeen(s -> s.hasResult(email.taskId()) && s.hasResult(logged.taskId())
                && s.hasResult(foreign.taskId()));

        assertThat(worker.getBean(EmailSendHandler.class).sent())
                .filteredOn(m -> m.taskId().equals(email.taskId()))
                .singleElement().satisfies(m -> {
                    assertThat(m.body()).isEqualTo(MARKER);
                    assertThat(m.to()).isEqualTo("a@example.com");
                });
        assertThat(seen.resultsOf(email.taskId())).singleElement().satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
            assertThat(PayloadCipher.isEnvelope(result.result())).isTrue();
            JsonNode plain = producer.openResult(result.tenantId(), result.taskId(), result.result());
            assertThat(plain.get("messageId").asString()).isEqualTo("msg-" + email.taskId());
        });
        assertThat(seen.resultsOf(logged.taskId())).singleElement()
                .satisfies(result -> assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED));
        assertThat(seen.resultsOf(foreign.taskId())).singleElement().satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.FAILED);
            assertThat(result.error().code()).isEqualTo("payload_undecryptable");
            assertThat(result.error().retryable()).isFalse();
            assertThat(result.error().message()).contains("'k9'");
        });
        for (ConsumerRecord<String, byte[]> record : seen.records()) {
            String value = new String(record.value(), StandardCharsets.UTF_8);
            assertThat(value).doesNotContain(MARKER).doesNotContain("msg-" + email.taskId());
        }
        assertThat(output.getAll())
                .contains(email.taskId().toString()) // the log did record the run …
                .contains("payload (encrypted: not logged)")
                .doesNotContain(MARKER) // … but neither payloads nor keys
                .doesNotContain(k1)
                .doesNotContain(Base64.getEncoder().encodeToString(K9));
        assertThat(Json.mapper().writeValueAsString(seen.events())).doesNotContain(MARKER);
    }

    @Test
    void aWorkerWithoutKeysFailsAnEncryptedTaskForGood(CapturedOutput output) {
        harness.startWorker("it-enc-2");
        TaskDispatch email = dispatch(UUID.randomUUID(), "email.send", Map.of("to", MARKER), 1, 4, 3);

        harness.publish(encrypted(email, producer));
        Seen seen = harness.awaitSeen(s -> s.hasResult(email.taskId()));

        assertThat(seen.resultsOf(email.taskId())).singleElement().satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.FAILED);
            assertThat(result.error().code()).isEqualTo("payload_undecryptable");
            assertThat(result.error().retryable()).isFalse();
            assertThat(result.error().message()).contains("not configured");
        });
        assertThat(output.getAll()).contains("payload_undecryptable").doesNotContain(MARKER);
    }
}
