package io.taskstream.ingest.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class WorkerHeartbeatTest {

    /** A heartbeat hash as the worker writes it (docs/wire-conventions.md, "Worker heartbeats"). */
    static Map<String, String> hash() {
        Map<String, String> hash = new HashMap<>();
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

    @Test
    void readsEveryFieldTheWorkerWrites() {
        assertThat(WorkerHeartbeat.parse(hash())).isEqualTo(new WorkerHeartbeat("w-1", "host-a",
                "taskstream-workers", "0.1.0", List.of("CRITICAL", "HIGH", "NORMAL", "LOW"),
                Instant.parse("2026-11-28T09:00:00Z"), Instant.parse("2026-11-28T10:00:00Z"), Duration.ofSeconds(10),
                3, 100, true, 7, 2, 1, 4, 1, 2));
        assertThat(WorkerHeartbeat.parse(hash()).attempts()).isEqualTo(14);
    }

    @Test
    void aStoppedConsumerIsRead() {
        Map<String, String> hash = hash();
        hash.put("consumer", "stopped");

        assertThat(WorkerHeartbeat.parse(hash).consumerRunning()).isFalse();
    }

    @Test
    void fieldsAHeartbeatLacksReadAsEmptyOrZeroAndTheIntervalAsTheDefault() {
        WorkerHeartbeat minimal = WorkerHeartbeat.parse(Map.of("workerId", "w-1",
                "lastHeartbeatAt", "2026-11-28T10:00:00Z"));

        assertThat(minimal).isEqualTo(new WorkerHeartbeat("w-1", "", "", "", List.of(), null,
                Instant.parse("2026-11-28T10:00:00Z"), WorkerHeartbeat.DEFAULT_INTERVAL, 0, 0, true, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void aHeartbeatWithoutItsIdOrTimeOrWithAFieldThatDoesNotParseIsRejected() {
        Map<String, String> noTime = hash();
        noTime.remove("lastHeartbeatAt");
        Map<String, String> badNumber = hash();
        badNumber.put("slotsBusy", "many");
        Map<String, String> badInstant = hash();
        badInstant.put("startedAt", "yesterday");

        assertThatThrownBy(() -> WorkerHeartbeat.parse(noTime))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("a heartbeat needs workerId and lastHeartbeatAt");
        assertThatThrownBy(() -> WorkerHeartbeat.parse(Map.of("lastHeartbeatAt", "2026-11-28T10:00:00Z")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WorkerHeartbeat.parse(badNumber))
                .hasMessageStartingWith("the heartbeat of worker w-1 does not parse");
        assertThatThrownBy(() -> WorkerHeartbeat.parse(badInstant))
                .hasMessageStartingWith("the heartbeat of worker w-1 does not parse");
    }
}
