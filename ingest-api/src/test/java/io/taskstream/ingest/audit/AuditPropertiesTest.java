package io.taskstream.ingest.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class AuditPropertiesTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        assertThat(AuditProperties.defaults()).isEqualTo(new AuditProperties(10_000, 500, Duration.ofMillis(50),
                SECOND, Duration.ofSeconds(10)));
    }

    @Test
    void aSettingThatCannotWorkStopsTheStartWithItsName() {
        assertThatThrownBy(() -> new AuditProperties(0, 500, SECOND, SECOND, SECOND))
                .hasMessageContaining("queue-capacity");
        assertThatThrownBy(() -> new AuditProperties(10, 5_001, SECOND, SECOND, SECOND))
                .as("13 parameters a row, 65,535 a statement").hasMessageContaining("batch-size");
        assertThatThrownBy(() -> new AuditProperties(10, 500, Duration.ZERO, SECOND, SECOND))
                .hasMessageContaining("max-delay");
        assertThatThrownBy(() -> new AuditProperties(10, 500, SECOND, SECOND.negated(), SECOND))
                .hasMessageContaining("retry-delay");
        assertThatThrownBy(() -> new AuditProperties(10, 500, SECOND, SECOND, null))
                .hasMessageContaining("shutdown-timeout");
    }
}
