package io.taskstream.scheduler.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;
import org.springframework.kafka.core.KafkaAdmin;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.schemas.Topics;

class SchedulerStreamsTest {

    @Test
    void aBuggyRecordReplacesTheThreadButAMissingTopicOrAnErrorStopsTheClient() {
        assertThat(SchedulerStreams.onUncaughtException(new StreamsException(new IllegalStateException("bug"))))
                .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(SchedulerStreams.onUncaughtException(
                new StreamsException(new MissingSourceTopicException("taskstream.results is gone"))))
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(SchedulerStreams.onUncaughtException(new StreamsException(new OutOfMemoryError())))
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }

    @Test
    void healthIsUnknownBeforeTheStreamStartsAndStoppingTwiceIsHarmless() {
        SchedulerStreams streams = new SchedulerStreams(new Topology(), SchedulerProperties.defaults(), Map.of(),
                Topics.withDefaultPrefix(), new KafkaAdmin(Map.of()), new SchedulerMetrics(new SimpleMeterRegistry()));

        assertThat(streams.isRunning()).isFalse();
        assertThat(new SchedulerStreamsHealthIndicator(streams).health().getStatus()).isEqualTo(Status.UNKNOWN);
        streams.stop();
        assertThat(streams.isRunning()).isFalse();
    }
}
