package io.taskstream.scheduler.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.UUID;

import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

class TimerKeyTest {

    static final UUID HIGH_ID = UUID.fromString("ffffffff-ffff-ffff-ffff-ffffffffffff");
    static final UUID LOW_ID = UUID.fromString("00000000-0000-0000-0000-000000000001");

    @Test
    void keysSortByDueTimeWhateverTheTaskId() {
        Instant t = Instant.parse("2026-12-01T10:00:00Z");
        Bytes earlierWithHighId = TimerKey.of(t, HIGH_ID);
        Bytes laterWithLowId = TimerKey.of(t.plusMillis(1), LOW_ID);

        assertThat(earlierWithHighId.compareTo(laterWithLowId)).isNegative();
        assertThat(TimerKey.start().compareTo(earlierWithHighId)).isNegative();
    }

    @Test
    void upToNowIncludesEveryTaskDueThatMillisecondAndNothingLater() {
        Instant t = Instant.parse("2026-12-01T10:00:00Z");

        assertThat(TimerKey.of(t, HIGH_ID).compareTo(TimerKey.upTo(t))).isLessThanOrEqualTo(0);
        assertThat(TimerKey.of(t.plusMillis(1), LOW_ID).compareTo(TimerKey.upTo(t))).isPositive();
    }

    @Test
    void keyRoundTripsDueTimeAndTaskId() {
        Instant t = Instant.parse("2026-12-01T10:00:00.123Z");
        UUID id = UUID.randomUUID();
        Bytes key = TimerKey.of(t, id);

        assertThat(TimerKey.due(key)).isEqualTo(t);
        assertThat(TimerKey.taskId(key)).isEqualTo(id);
    }

    @Test
    void timesBeforeTheEpochAreDueAtOnce() {
        Bytes key = TimerKey.of(Instant.parse("1960-01-01T00:00:00Z"), LOW_ID);

        assertThat(TimerKey.due(key)).isEqualTo(Instant.EPOCH);
    }

    @Test
    void aDueTimeWithAFractionOfAMillisecondIsRoundedUpNeverDown() {
        Instant t = Instant.parse("2026-12-01T10:00:00.000500Z");

        assertThat(TimerKey.due(TimerKey.of(t, LOW_ID))).isEqualTo(Instant.parse("2026-12-01T10:00:00.001Z"));
        assertThat(TimerKey.of(t, HIGH_ID).compareTo(TimerKey.upTo(Instant.parse("2026-12-01T10:00:00Z"))))
                .as("not due at the millisecond before").isPositive();
    }
}
