package io.taskstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.taskstream.schemas.WorkerHeartbeat.Identity;

/** The heartbeat hash as workers write it and the API reads it (docs/wire-conventions.md, "Worker heartbeats"). */
class WorkerHeartbeatTest {

    static final Instant STARTED = Instant.parse("2026-11-28T09:00:00Z");
    static final Instant BEAT = Instant.parse("2026-11-28T10:00:00Z");
    static final Identity IDENTITY = new Identity("w-1", "host-a", "taskstream-workers", "0.1.0",
            List.of(Priority.CRITICAL, Priority.HIGH, Priority.NORMAL, Priority.LOW));

    static final WorkerHeartbeat HEARTBEAT = new WorkerHeartbeat(IDENTITY, STARTED, BEAT, Duration.ofSeconds(10),
            3, 100, true, 7, 2, 1, 4, 1, 2);

    /** {@link #HEARTBEAT} as the worker writes it: every field, in the order written. */
    static Map<String, String> hash() {
        Map<String, String> hash = new LinkedHashMap<>();
        hash.put("schema", "worker-heartbeat/v1");
        hash.put("workerId", "w-1");
        hash.put("host", "host-a");
        hash.put("groupId", "taskstream-workers");
        hash.put("version", "0.1.0");
        hash.put("priorities", "CRITICAL,HIGH,NORMAL,LOW");
        hash.put("startedAt", "2026-11-28T09:00:00Z");
        hash.put("lastHeartbeatAt", "2026-11-28T10:00:00Z");
        hash.put("interval", "PT10S");
        hash.put("slotsBusy", "3");
        hash.put("slotsTotal", "100");
        hash.put("consumer", "running");
        hash.put("completed", "7");
        hash.put("failed", "2");
        hash.put("timedOut", "1");
        hash.put("cancelled", "4");
        hash.put("stuck", "1");
        hash.put("restarts", "2");
        return hash;
    }

    static Map<String, String> hashWith(String field, String value) {
        Map<String, String> hash = hash();
        hash.put(field, value);
        return hash;
    }

    @Test
    void theHashHasOneStringFieldPerComponentInAStableOrder() {
        assertThat(HEARTBEAT.toHash()).containsExactlyEntriesOf(hash());
    }

    @Test
    void readsEveryFieldTheWorkerWrites() {
        assertThat(WorkerHeartbeat.fromHash(hash())).isEqualTo(HEARTBEAT);
        assertThat(HEARTBEAT.workerId()).isEqualTo("w-1");
        assertThat(HEARTBEAT.attempts()).isEqualTo(14);
    }

    @Test
    void whatIsWrittenReadsBackTheSame() {
        WorkerHeartbeat stopped = new WorkerHeartbeat(new Identity("w-2", "pod-7", "g", "dev", List.of()), STARTED,
                BEAT.plusMillis(123), Duration.ofMillis(1500), 0, 0, false, 0, 0, 0, 0, 0, 0);

        assertThat(WorkerHeartbeat.fromHash(HEARTBEAT.toHash())).isEqualTo(HEARTBEAT);
        assertThat(WorkerHeartbeat.fromHash(stopped.toHash())).isEqualTo(stopped);
        assertThat(stopped.toHash()).containsEntry("consumer", "stopped").containsEntry("priorities", "")
                .containsEntry("interval", "PT1.5S");
        assertThat(WorkerHeartbeat.fromHash(hash()).toHash()).isEqualTo(hash());
    }

    @Test
    void fieldsItDoesNotKnowAreIgnored() {
        assertThat(WorkerHeartbeat.fromHash(hashWith("gpu", "a100"))).isEqualTo(HEARTBEAT);
    }

    @Test
    void fieldsAHeartbeatLacksReadAsEmptyOrZeroAndTheIntervalAsTheDefault() {
        WorkerHeartbeat minimal = WorkerHeartbeat.fromHash(Map.of("workerId", "w-1",
                "lastHeartbeatAt", "2026-11-28T10:00:00Z"));

        assertThat(minimal).isEqualTo(new WorkerHeartbeat(new Identity("w-1", "", "", "", List.of()), null, BEAT,
                WorkerHeartbeat.DEFAULT_INTERVAL, 0, 0, true, 0, 0, 0, 0, 0, 0));
        // and it is written back as it was read: without startedAt
        assertThat(WorkerHeartbeat.fromHash(minimal.toHash())).isEqualTo(minimal);
        assertThat(minimal.toHash()).doesNotContainKey("startedAt");
    }

    @Test
    void aHeartbeatOfAnotherLayoutIsRejected() {
        assertThatThrownBy(() -> WorkerHeartbeat.fromHash(hashWith("schema", "worker-heartbeat/v2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the heartbeat of worker w-1 does not parse: its schema is \"worker-heartbeat/v2\","
                        + " this reader knows worker-heartbeat/v1 only");
    }

    @Test
    void aHeartbeatWithoutItsIdOrItsTimeIsRejected() {
        Map<String, String> noTime = hash();
        noTime.remove("lastHeartbeatAt");
        Map<String, String> noId = hash();
        noId.remove("workerId");

        assertThatThrownBy(() -> WorkerHeartbeat.fromHash(noTime))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("a heartbeat needs workerId and lastHeartbeatAt, got fields [cancelled,");
        assertThatThrownBy(() -> WorkerHeartbeat.fromHash(noId))
                .hasMessageStartingWith("a heartbeat needs workerId and lastHeartbeatAt");
        assertThatThrownBy(() -> WorkerHeartbeat.fromHash(hashWith("workerId", " ")))
                .hasMessageStartingWith("a heartbeat needs workerId and lastHeartbeatAt");
    }

    /** Each malformed field is rejected with a message naming the worker, the field and what it should be. */
    @ParameterizedTest(name = "{0} = \"{1}\"")
    @CsvSource(delimiter = '|', textBlock = """
            slotsBusy       | many                | slotsBusy is "many", not a whole number
            slotsTotal      | 3000000000          | slotsTotal is "3000000000", not a whole number
            completed       | 1.5                 | completed is "1.5", not a whole number
            restarts        | ''                  | restarts is "", not a whole number
            failed          | -1                  | failed must not be negative (was -1)
            slotsBusy       | -2                  | slotsBusy must not be negative (was -2)
            startedAt       | yesterday           | startedAt is "yesterday", not an ISO-8601 instant
            lastHeartbeatAt | 2026-11-28 10:00:00 | lastHeartbeatAt is "2026-11-28 10:00:00", not an ISO-8601 instant
            interval        | 10s                 | interval is "10s", not an ISO-8601 duration
            interval        | PT0S                | interval must be positive (was PT0S)
            consumer        | paused              | consumer is "paused", not running or stopped
            priorities      | HIGH,URGENT         | priorities is "HIGH,URGENT", not a comma-separated list of [CRITICAL, HIGH, NORMAL, LOW]
            priorities      | HIGH,,LOW           | priorities is "HIGH,,LOW", not a comma-separated list of
            """)
    void aFieldThatDoesNotParseIsRejectedByName(String field, String value, String problem) {
        assertThatThrownBy(() -> WorkerHeartbeat.fromHash(hashWith(field, value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the heartbeat of worker w-1 does not parse: " + problem);
    }

    @Test
    void aLongMalformedValueIsCutInTheMessage() {
        assertThatThrownBy(() -> WorkerHeartbeat.fromHash(hashWith("stuck", "9".repeat(100))))
                .hasMessage("the heartbeat of worker w-1 does not parse: stuck is \"" + "9".repeat(40)
                        + "…\", not a whole number");
    }

    @Test
    void aHeartbeatNeedsAWorkerAndATimeAndAPositiveInterval() {
        assertThatThrownBy(() -> new Identity(" ", "h", "g", "v", List.of()))
                .hasMessage("workerId must not be blank");
        assertThatThrownBy(() -> new Identity("w-1", null, "g", "v", List.of()))
                .isInstanceOf(NullPointerException.class).hasMessage("host");
        assertThatThrownBy(() -> new WorkerHeartbeat(IDENTITY, STARTED, null, Duration.ofSeconds(10), 0, 0, true,
                0, 0, 0, 0, 0, 0)).isInstanceOf(NullPointerException.class).hasMessage("lastHeartbeatAt");
        assertThatThrownBy(() -> new WorkerHeartbeat(IDENTITY, STARTED, BEAT, Duration.ofSeconds(-10), 0, 0, true,
                0, 0, 0, 0, 0, 0)).hasMessage("interval must be positive (was PT-10S)");
        assertThatThrownBy(() -> new WorkerHeartbeat(IDENTITY, STARTED, BEAT, Duration.ofSeconds(10), 0, 0, true,
                0, 0, 0, 0, -1, 0)).hasMessage("stuck must not be negative (was -1)");
    }
}
