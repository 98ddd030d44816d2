package io.taskstream.scheduler.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.schemas.Backoff;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.topology.ProcessingErrorHandler;

class SchedulerPropertiesTest {

    static SchedulerProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values))
                .bindOrCreate("taskstream.scheduler", SchedulerProperties.class);
    }

    @Test
    void defaultsAreProductionSafe() {
        SchedulerProperties defaults = SchedulerProperties.defaults();

        assertThat(defaults.applicationId()).isEqualTo("taskstream-scheduler");
        assertThat(defaults.stateDir()).isNull();
        assertThat(defaults.streamThreads()).isEqualTo(1);
        assertThat(defaults.processingGuarantee()).isEqualTo(SchedulerProperties.ProcessingGuarantee.EXACTLY_ONCE_V2);
        assertThat(defaults.commitInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(defaults.replicationFactor()).isEqualTo(-1);
        assertThat(defaults.dispatchGrace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.punctuateInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(defaults.maxDuePerTick()).isEqualTo(1000);
        assertThat(defaults.closeTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.standbyReplicas()).isEqualTo(1);
        assertThat(defaults.dedupWindow()).isEqualTo(Duration.ofHours(24));
        assertThat(defaults.backoff().toBackoff()).isEqualTo(Backoff.DEFAULT);
        assertThat(defaults.deferral().maxDelay()).isEqualTo(Duration.ofHours(1));
        assertThat(defaults.deferral().maxPerTask()).isEqualTo(100);
    }

    @Test
    void deferralLimitsBindAndAreCheckedAtStartUp() {
        SchedulerProperties bound = bind(Map.of("taskstream.scheduler.deferral.max-delay", "10m",
                "taskstream.scheduler.deferral.max-per-task", "5"));
        assertThat(bound.deferral()).isEqualTo(new SchedulerProperties.DeferralLimits(Duration.ofMinutes(10), 5));
        assertThat(bind(Map.of("taskstream.scheduler.deferral.max-per-task", "7")).deferral().maxDelay())
                .isEqualTo(Duration.ofHours(1));

        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.deferral.max-delay", "0s")))
                .rootCause().hasMessageContaining("taskstream.scheduler.deferral.max-delay");
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.deferral.max-per-task", "0")))
                .rootCause().hasMessageContaining("taskstream.scheduler.deferral.max-per-task");
    }

    @Test
    void scheduleSettingsDefaultToAMinuteBindAndAreCheckedAtStartUp() {
        SchedulerProperties defaults = SchedulerProperties.defaults();
        assertThat(defaults.schedules()).isEqualTo(new SchedulerProperties.ScheduleSettings(Duration.ofMinutes(1),
                Duration.ofMinutes(1), Duration.ofSeconds(2)));
        SchedulerProperties bound = bind(Map.of("taskstream.scheduler.schedules.min-interval", "10s",
                "taskstream.scheduler.schedules.misfire-threshold", "5m", "taskstream.scheduler.schedules.lookahead", "0s"));
        assertThat(bound.schedules()).isEqualTo(new SchedulerProperties.ScheduleSettings(Duration.ofSeconds(10),
                Duration.ofMinutes(5), Duration.ZERO));
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.schedules.lookahead", "-1s")))
                .rootCause().hasMessageContaining("taskstream.scheduler.schedules.lookahead");
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.schedules.min-interval", "0s")))
                .rootCause().hasMessageContaining("taskstream.scheduler.schedules.min-interval");
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.schedules.misfire-threshold", "-1s")))
                .rootCause().hasMessageContaining("taskstream.scheduler.schedules.misfire-threshold");
    }

    @Test
    void theDefaultBackoffBindsFieldByFieldEachFallingBackToTheContractsDefault() {
        SchedulerProperties bound = bind(Map.of(
                "taskstream.scheduler.backoff.initial", "500ms",
                "taskstream.scheduler.backoff.jitter", "0.5",
                "taskstream.scheduler.dedup-window", "PT48H",
                "taskstream.scheduler.standby-replicas", "2"));

        assertThat(bound.backoff().toBackoff())
                .isEqualTo(new Backoff(Duration.ofMillis(500), 2.0, Duration.ofMinutes(5), 0.5));
        assertThat(bound.dedupWindow()).isEqualTo(Duration.ofHours(48));
        assertThat(bound.standbyReplicas()).isEqualTo(2);
        assertThat(StreamsSettings.of(bound, Path.of("/tmp/state"), Map.of(),
                new SchedulerMetrics(new SimpleMeterRegistry())))
                .containsEntry(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 2);
    }

    @Test
    void aWrongBackoffDedupWindowOrStandbyCountStopsTheStartWithTheNameOfTheProperty() {
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.backoff.multiplier", "0.5")))
                .rootCause().hasMessageContaining("taskstream.scheduler.backoff.multiplier");
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.backoff.initial", "10m",
                "taskstream.scheduler.backoff.max", "1m")))
                .rootCause().hasMessageContaining("taskstream.scheduler.backoff.max");
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.backoff.jitter", "1.5")))
                .rootCause().hasMessageContaining("taskstream.scheduler.backoff.jitter");
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.dedup-window", "0s")))
                .rootCause().hasMessageContaining("taskstream.scheduler.dedup-window");
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.standby-replicas", "-1")))
                .rootCause().hasMessageContaining("taskstream.scheduler.standby-replicas");
        new ApplicationContextRunner()
                .withUserConfiguration(PropertiesOnly.class)
                .withPropertyValues("taskstream.scheduler.backoff.intial=2s")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("taskstream.scheduler.backoff.intial"));
    }

    @Test
    void bindsFromSpringPropertiesInAnySpelling() {
        SchedulerProperties bound = bind(Map.of(
                "taskstream.scheduler.processing-guarantee", "at_least_once",
                "taskstream.scheduler.commit-interval", "250ms",
                "taskstream.scheduler.state-dir", "/var/lib/scheduler",
                "taskstream.scheduler.stream-threads", "2"));

        assertThat(bound.processingGuarantee()).isEqualTo(SchedulerProperties.ProcessingGuarantee.AT_LEAST_ONCE);
        assertThat(bound.commitInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(bound.stateDir()).isEqualTo(Path.of("/var/lib/scheduler"));
        assertThat(bound.streamThreads()).isEqualTo(2);
    }

    @Test
    void aWrongValueStopsTheStartWithTheNameOfTheProperty() {
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.stream-threads", "0")))
                .isInstanceOf(BindException.class)
                .rootCause().hasMessageContaining("taskstream.scheduler.stream-threads");
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.commit-interval", "0s")))
                .rootCause().hasMessageContaining("commit-interval");
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.application-id", "has spaces")))
                .rootCause().hasMessageContaining("application-id");
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.replication-factor", "0")))
                .rootCause().hasMessageContaining("replication-factor");
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.dispatch-grace", "-1s")))
                .rootCause().hasMessageContaining("dispatch-grace");
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.max-due-per-tick", "0")))
                .rootCause().hasMessageContaining("max-due-per-tick");
        assertThatThrownBy(() -> bind(Map.of("taskstream.scheduler.processing-guarantee", "maybe_once")))
                .isInstanceOf(BindException.class);
    }

    @Test
    void anUnknownPropertyUnderThePrefixStopsTheStart() {
        new ApplicationContextRunner()
                .withUserConfiguration(PropertiesOnly.class)
                .withPropertyValues("taskstream.scheduler.comit-interval=50ms")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("taskstream.scheduler.comit-interval"));
        new ApplicationContextRunner()
                .withUserConfiguration(PropertiesOnly.class)
                .withPropertyValues("taskstream.scheduler.commit-interval=50ms")
                .run(context -> assertThat(context.getBean(SchedulerProperties.class).commitInterval())
                        .isEqualTo(Duration.ofMillis(50)));
    }

    @Test
    void environmentVariablesSharingThePrefixAreNotMistakenForUnknownProperties() {
        new ApplicationContextRunner()
                .withUserConfiguration(PropertiesOnly.class)
                .withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                        new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                Map.of("TASKSTREAM_SCHEDULER_HTTP_PORT", "8099",
                                        "TASKSTREAM_SCHEDULER_STREAM_THREADS", "3"))))
                .run(context -> assertThat(context).hasNotFailed()
                        .getBean(SchedulerProperties.class).extracting(SchedulerProperties::streamThreads).isEqualTo(3));
    }

    @EnableConfigurationProperties(SchedulerProperties.class)
    static class PropertiesOnly {
    }

    @Test
    void streamsSettingsLayerOurKnobsOverBootsAndBootsOverOurTuning() {
        SchedulerProperties properties = bind(Map.of("taskstream.scheduler.application-id", "sched-a",
                "taskstream.scheduler.processing-guarantee", "at-least-once"));
        SchedulerMetrics metrics = new SchedulerMetrics(new SimpleMeterRegistry());
        Properties config = StreamsSettings.of(properties, Path.of("/tmp/state"), Map.of(
                StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092",
                StreamsConfig.APPLICATION_ID_CONFIG, "from-boot",
                StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 20), metrics);

        assertThat(config).containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "sched-a")
                .containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092")
                .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "at_least_once")
                .containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100L)
                .containsEntry(StreamsConfig.STATE_DIR_CONFIG, Path.of("/tmp/state").toAbsolutePath().toString())
                .containsEntry(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 20)
                .containsEntry(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ProcessingErrorHandler.class)
                .containsEntry(SchedulerMetrics.CONFIG_KEY, metrics);
        // Kafka Streams accepts the result as a whole
        StreamsConfig streams = new StreamsConfig(config);
        assertThat(streams.getString(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("sched-a");
        assertThat(streams.getList(StreamsConfig.METRIC_REPORTER_CLASSES_CONFIG)).as("no JMX").isEmpty();
        assertThat(streams.getLong(StreamsConfig.POLL_MS_CONFIG)).isEqualTo(100L);
    }

    @Test
    void exactlyOnceOutputLingersUpToTheCommitIntervalAtLeastOnceOutputBarely() {
        SchedulerMetrics metrics = new SchedulerMetrics(new SimpleMeterRegistry());
        String linger = StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG);

        assertThat(StreamsSettings.of(bind(Map.of()), Path.of("/tmp/state"), Map.of(), metrics))
                .containsEntry(linger, 100);
        assertThat(StreamsSettings.of(bind(Map.of("taskstream.scheduler.commit-interval", "30ms")),
                Path.of("/tmp/state"), Map.of(), metrics)).containsEntry(linger, 30);
        assertThat(StreamsSettings.of(bind(Map.of("taskstream.scheduler.commit-interval", "1s")),
                Path.of("/tmp/state"), Map.of(), metrics)).containsEntry(linger, 100);
        assertThat(StreamsSettings.of(bind(Map.of("taskstream.scheduler.processing-guarantee", "at-least-once")),
                Path.of("/tmp/state"), Map.of(), metrics)).containsEntry(linger, 5);
    }

    @Test
    void anIdlePollNeverOutlastsTheCommitIntervalOrTheTick() {
        SchedulerMetrics metrics = new SchedulerMetrics(new SimpleMeterRegistry());
        SchedulerProperties fastTick = bind(Map.of("taskstream.scheduler.punctuate-interval", "10ms"));
        SchedulerProperties fastCommit = bind(Map.of("taskstream.scheduler.commit-interval", "20ms"));

        assertThat(StreamsSettings.of(fastTick, Path.of("/tmp/state"), Map.of(), metrics))
                .containsEntry(StreamsConfig.POLL_MS_CONFIG, 10L);
        assertThat(StreamsSettings.of(fastCommit, Path.of("/tmp/state"), Map.of(), metrics))
                .containsEntry(StreamsConfig.POLL_MS_CONFIG, 20L);
    }
}
