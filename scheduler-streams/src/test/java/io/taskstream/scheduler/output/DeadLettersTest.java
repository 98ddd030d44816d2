package io.taskstream.scheduler.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.junit.jupiter.api.Test;

import io.taskstream.schemas.DeadLetter;

class DeadLettersTest {

    static final Optional<RecordMetadata> AT_SUBMIT_LOW_3_42 = Optional.of(new RecordMetadata() {
        @Override
        public String topic() {
            return "taskstream.submit.low";
        }

        @Override
        public int partition() {
            return 3;
        }

        @Override
        public long offset() {
            return 42;
        }
    });

    @Test
    void utf8ValueIsKeptAsText() {
        DeadLetter.SourceRecord source = DeadLetters.source(AT_SUBMIT_LOW_3_42, "k",
                "{\"größe\": 1}".getBytes(StandardCharsets.UTF_8));

        assertThat(source.topic()).isEqualTo("taskstream.submit.low");
        assertThat(source.partition()).isEqualTo(3);
        assertThat(source.offset()).isEqualTo(42);
        assertThat(source.value()).isEqualTo("{\"größe\": 1}");
        assertThat(source.valueEncoding()).isEqualTo("utf-8");
    }

    @Test
    void hugeValueIsCutToTheLimit() {
        byte[] huge = new byte[DeadLetters.MAX_VALUE_BYTES + 10];
        Arrays.fill(huge, (byte) 0xFF);

        DeadLetter.SourceRecord source = DeadLetters.source(AT_SUBMIT_LOW_3_42, null, huge);

        assertThat(source.valueEncoding()).isEqualTo("base64");
        assertThat(Base64.getDecoder().decode(source.value())).hasSize(DeadLetters.MAX_VALUE_BYTES);
    }

    @Test
    void nullValueHasNoValue() {
        DeadLetter.SourceRecord source = DeadLetters.source(AT_SUBMIT_LOW_3_42, "k", null);

        assertThat(source.value()).isNull();
        assertThat(source.valueEncoding()).isNull();
    }

    @Test
    void traceparentIsReadFromHeadersWhenPresent() {
        RecordHeaders headers = new RecordHeaders();
        assertThat(Outputs.traceparent(headers)).isNull();
        assertThat(Outputs.traceparent(null)).isNull();
        headers.add("traceparent", "00-abc-def-01".getBytes(StandardCharsets.UTF_8));
        assertThat(Outputs.traceparent(headers)).isEqualTo("00-abc-def-01");
    }
}
