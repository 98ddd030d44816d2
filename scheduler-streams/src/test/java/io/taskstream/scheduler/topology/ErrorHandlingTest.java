package io.taskstream.scheduler.topology;

import static io.taskstream.scheduler.topology.SchedulerDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.ProcessingHandlerResponse;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.ProductionExceptionHandlerResponse;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.SerializationExceptionOrigin;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.state.TaskState;
import io.taskstream.scheduler.state.TimerKey;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskStatus;

class ErrorHandlingTest {

    @RegisterExtension
    final SchedulerDriver scheduler = new SchedulerDriver();

    @Test
    void aRecordWhoseProcessingThrowsIsSkippedCountedAndTheStreamGoesOn() {
        // A state that cannot exist (in flight but without its submission) makes the outcome throw.
        UUID broken = UUID.randomUUID();
        KeyValueStore<String, TaskState> tasks = scheduler.tasks();
        tasks.put(broken.toString(), new TaskState(broken, "acme", TaskStatus.QUEUED, 2, 1, null, T0, T0,
                T0.plusSeconds(60), List.of(), null, T0, false, null, null, 0, 0));

        scheduler.result(scheduler.resultOf(broken, 1, AttemptOutcome.FAILED, null,
                TaskError.retryable("handler_error", "boom")));
        UUID id = UUID.randomUUID();
        scheduler.submit(id, "");

        assertThat(scheduler.count("scheduler.processing.errors", "processor", SchedulerTopology.OUTCOME))
                .isEqualTo(1);
        assertThat(scheduler.ready(Priority.NORMAL).readValue().taskId()).isEqualTo(id);
    }

    @Test
    void aTaskTheTickCannotHandleIsCountedAndDroppedAndTheOthersAreStillReleased() {
        // waiting, but without its submission: releasing it throws
        UUID broken = UUID.randomUUID();
        Instant due = T0.plusSeconds(1);
        scheduler.tasks().put(broken.toString(),
                new TaskState(broken, "acme", TaskStatus.SCHEDULED, 1, 0, null, due, null, null, List.of(), null,
                        T0, false, null, null, 0, 0));
        KeyValueStore<Bytes, String> timers = scheduler.timers();
        timers.put(TimerKey.of(due, broken), broken.toString());
        UUID id = UUID.randomUUID();
        scheduler.submit(id, "\"delay\": \"PT1S\"");

        scheduler.advance(Duration.ofSeconds(2));
        scheduler.advance(Duration.ofSeconds(2));

        assertThat(scheduler.count("scheduler.processing.errors", "processor", "tick")).isEqualTo(1);
        assertThat(timers.get(TimerKey.of(due, broken))).isNull();
        assertThat(scheduler.ready(Priority.NORMAL).readValuesToList()).extracting(d -> d.taskId())
                .containsExactly(id);
    }

    @Test
    void processingHandlerWithoutMetricsStillContinues() {
        ProcessingErrorHandler handler = new ProcessingErrorHandler();
        handler.configure(Map.of());

        assertThat(handler.handle(context(), null, new IllegalStateException("bug")))
                .isEqualTo(ProcessingHandlerResponse.CONTINUE);
    }

    @Test
    void tooLargeOrUnserializableOutputIsSkippedButABrokerFailureFailsTheThread() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProductionErrorHandler handler = new ProductionErrorHandler();
        handler.configure(Map.of(SchedulerMetrics.CONFIG_KEY, new SchedulerMetrics(registry)));
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("taskstream.events", new byte[10]);

        assertThat(handler.handle(context(), record, new RecordTooLargeException("too big")))
                .isEqualTo(ProductionExceptionHandlerResponse.CONTINUE);
        assertThat(handler.handleSerializationException(context(), record, new IllegalArgumentException("bad"),
                SerializationExceptionOrigin.VALUE)).isEqualTo(ProductionExceptionHandlerResponse.CONTINUE);
        assertThat(handler.handle(context(), record, new TimeoutException("broker away")))
                .isEqualTo(ProductionExceptionHandlerResponse.FAIL);

        assertThat(registry.counter("scheduler.production.errors", "kind", "record_too_large").count()).isEqualTo(1);
        assertThat(registry.counter("scheduler.production.errors", "kind", "serialization").count()).isEqualTo(1);
        assertThat(registry.counter("scheduler.production.errors", "kind", "send_failed").count()).isEqualTo(1);
    }

    @Test
    void productionHandlerWithoutMetricsStillDecides() {
        ProductionErrorHandler handler = new ProductionErrorHandler();
        handler.configure(Map.of());

        assertThat(handler.handle(context(), new ProducerRecord<>("t", null), new RecordTooLargeException("x")))
                .isEqualTo(ProductionExceptionHandlerResponse.CONTINUE);
    }

    private static ErrorHandlerContext context() {
        ErrorHandlerContext context = mock(ErrorHandlerContext.class);
        when(context.topic()).thenReturn("taskstream.results");
        when(context.processorNodeId()).thenReturn("outcome");
        return context;
    }
}
