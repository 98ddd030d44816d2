package io.taskstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

class FireWindowTest {

    /** {@code * * * * *}: the next whole minute strictly after an instant. */
    static final Function<Instant, Optional<Instant>> EVERY_MINUTE =
            t -> Optional.of(t.truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES));

    /** {@code *}{@code /2 * * * *}: the next even minute strictly after an instant. */
    static final Function<Instant, Optional<Instant>> EVERY_OTHER_MINUTE = t -> {
        Instant next = EVERY_MINUTE.apply(t).orElseThrow();
        return Optional.of(next.getEpochSecond() / 60 % 2 == 0 ? next : next.plus(1, ChronoUnit.MINUTES));
    };

    @Test
    void theFirstFireTimeAfterTheWritesIsNotMeasuredTheNextMinutesAre() {
        FireWindow window = FireWindow.of(EVERY_MINUTE, Instant.parse("2026-11-29T12:00:20Z"), Duration.ofMinutes(3));

        assertThat(window.warmUp()).isEqualTo(Instant.parse("2026-11-29T12:01:00Z"));
        assertThat(window.measured()).containsExactly(Instant.parse("2026-11-29T12:02:00Z"),
                Instant.parse("2026-11-29T12:03:00Z"), Instant.parse("2026-11-29T12:04:00Z"));
        assertThat(window.end()).isEqualTo(Instant.parse("2026-11-29T12:04:00Z"));
        assertThat(window.isMeasured(Instant.parse("2026-11-29T12:01:00Z"))).isFalse();
        assertThat(window.isMeasured(Instant.parse("2026-11-29T12:03:00Z"))).isTrue();
    }

    @Test
    void definitionsWrittenOnAMinuteFireFirstAtTheNextOne() {
        FireWindow window = FireWindow.of(EVERY_MINUTE, Instant.parse("2026-11-29T12:00:00Z"), Duration.ofMinutes(1));

        assertThat(window.warmUp()).isEqualTo(Instant.parse("2026-11-29T12:01:00Z"));
        assertThat(window.measured()).containsExactly(Instant.parse("2026-11-29T12:02:00Z"));
    }

    @Test
    void aSparserCronMeasuresTheFireTimesWithinTheMinutes() {
        Instant writtenAt = Instant.parse("2026-11-29T12:00:20Z");

        assertThat(FireWindow.of(EVERY_OTHER_MINUTE, writtenAt, Duration.ofMinutes(5)).measured())
                .containsExactly(Instant.parse("2026-11-29T12:04:00Z"), Instant.parse("2026-11-29T12:06:00Z"));
        assertThatThrownBy(() -> FireWindow.of(EVERY_OTHER_MINUTE, writtenAt, Duration.ofMinutes(1)))
                .hasMessageContaining("does not fire within 1 minutes after its first fire time")
                .hasMessageContaining("give more --minutes");
    }

    @Test
    void aCronThatStopsFiringHasNothingToMeasure() {
        Instant only = Instant.parse("2026-11-29T12:01:00Z");

        assertThatThrownBy(() -> FireWindow.of(t -> Optional.empty(), only, Duration.ofMinutes(3)))
                .hasMessageContaining("never fires after");
        assertThatThrownBy(() -> FireWindow.of(t -> t.isBefore(only) ? Optional.of(only) : Optional.empty(),
                Instant.parse("2026-11-29T12:00:00Z"), Duration.ofMinutes(3)))
                .hasMessageContaining("does not fire within");
        assertThatThrownBy(() -> new FireWindow(only, List.of())).hasMessage("no fire time to measure");
    }
}
