package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

class MutableClockTest {

    @Test
    void standsStillUntilMoved() {
        Instant start = Instant.parse("2026-11-28T10:00:00Z");
        MutableClock clock = new MutableClock(start);
        assertThat(clock.instant()).isEqualTo(start);
        assertThat(clock.millis()).isEqualTo(start.toEpochMilli());
        clock.advance(Duration.ofMillis(250));
        assertThat(clock.instant()).isEqualTo(start.plusMillis(250));
        clock.set(start);
        assertThat(clock.instant()).isEqualTo(start);
        assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
        assertThatThrownBy(() -> clock.withZone(ZoneOffset.ofHours(1))).isInstanceOf(UnsupportedOperationException.class);
    }
}
