package io.taskstream.ingest.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskEvent;

class ProjectionListenerTest {

    private final List<List<TaskEvent>> applied = new ArrayList<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final TaskProjection projection = new TaskProjection(null, null, meters) {
        @Override
        public void apply(List<TaskEvent> events) {
            applied.add(events);
        }
    };
    private final ProjectionListener listener = new ProjectionListener(projection, SchemaValidator.load(), meters);
    private final TaskEvents task = TaskEvents.of(UUID.randomUUID(), "acme", Instant.parse("2026-11-28T10:00:00Z"));

    private static ConsumerRecord<String, byte[]> record(long offset, byte[] value) {
        return new ConsumerRecord<>("taskstream.events", 0, offset, "key", value);
    }

    private static byte[] bytes(TaskEvent event) {
        return JsonSerde.of(TaskEvent.class).serializer().serialize("taskstream.events", event);
    }

    @Test
    void validEventsOfAPollAreAppliedTogetherAndBadOnesSkipped() {
        listener.onMessage(List.of(
                record(0, bytes(task.admitted())),
                record(1, "not json".getBytes(StandardCharsets.UTF_8)),
                record(2, "{\"taskId\": \"x\", \"tenantId\": \"acme\"}".getBytes(StandardCharsets.UTF_8)),
                record(3, null),
                record(4, bytes(task.processing(2, 1)))));

        assertThat(applied).singleElement().satisfies(events ->
                assertThat(events).extracting(TaskEvent::version).containsExactly(1L, 2L));
        assertThat(meters.get("taskstream.projection.events").tag("outcome", "unreadable").counter().count())
                .isEqualTo(2.0);
    }
}
