package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.net.URI;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The JUnit side: {@link InfrastructureExtension} and {@link SharedInfrastructure}, exercised by
 * running {@link ExtensionSample} through a nested JUnit launcher so that "the end of the test
 * plan" really happens.
 */
class InfrastructureExtensionIT {

    private Supplier<EmbeddedInfrastructure> previousStarter;

    @BeforeEach
    void allEmbedded() {
        SharedInfrastructure.close();
        previousStarter = SharedInfrastructure.starter(() -> EmbeddedInfrastructure.start(LocalServers.NONE));
        ExtensionSample.RESOLVED.clear();
    }

    @AfterEach
    void restore() {
        SharedInfrastructure.close();
        SharedInfrastructure.starter(previousStarter);
    }

    @Test
    void resolvesOneFreshDatabasePerClassAndStopsWhenThePlanEnds() throws Exception {
        TestExecutionSummary summary = runSample();

        assertThat(summary.getTotalFailureCount()).as("%s", summary.getFailures()).isZero();
        assertThat(summary.getTestsSucceededCount()).isEqualTo(2);
        assertThat(ExtensionSample.RESOLVED).hasSize(3).allSatisfy(infra ->
                assertThat(infra).isEqualTo(ExtensionSample.RESOLVED.getFirst()));
        Infrastructure infra = ExtensionSample.RESOLVED.getFirst();
        assertThat(infra.database()).startsWith("ts_extensionsample_");

        // the root store closed at the end of the nested plan, and with it the servers
        assertThat(SharedInfrastructure.running()).isFalse();
        assertThat(FreePorts.accepts("127.0.0.1", URI.create(infra.redisUrl()).getPort())).isFalse();
        assertThat(FreePorts.accepts("127.0.0.1", EmbeddedInfrastructureIT.port(infra.jdbcUrl()))).isFalse();
    }

    @Test
    void staysUpUntilJvmExitOnceSpringStyleUsersHoldTheEndpoints() throws Exception {
        Infrastructure forSpring = SharedInfrastructure.forClass(InfrastructureExtensionIT.class);
        assertThat(SharedInfrastructure.forClass(InfrastructureExtensionIT.class)).isSameAs(forSpring);
        assertThat(forSpring.database()).startsWith("ts_infrastructureextensionit_");
        assertThat(SharedInfrastructure.get().database()).isEqualTo("postgres");

        TestExecutionSummary summary = runSample();

        assertThat(summary.getTotalFailureCount()).as("%s", summary.getFailures()).isZero();
        Infrastructure sample = ExtensionSample.RESOLVED.getFirst();
        assertThat(sample.database()).isNotEqualTo(forSpring.database());
        assertThat(sample.kafkaBootstrap()).isEqualTo(forSpring.kafkaBootstrap());
        // the sample's table is not in the Spring-style class's database
        assertThat(EmbeddedInfrastructureIT.query(forSpring, "select to_regclass('sample_table') is null")).isEqualTo("t");
        assertThat(SharedInfrastructure.running()).isTrue();
        assertThat(FreePorts.accepts("127.0.0.1", URI.create(forSpring.redisUrl()).getPort())).isTrue();
        assertThat(FreePorts.accepts("127.0.0.1", EmbeddedInfrastructureIT.port(forSpring.jdbcUrl()))).isTrue();

        SharedInfrastructure.close();
        assertThat(SharedInfrastructure.running()).isFalse();
        assertThat(FreePorts.accepts("127.0.0.1", URI.create(forSpring.redisUrl()).getPort())).isFalse();
    }

    private static TestExecutionSummary runSample() {
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(ExtensionSample.class)).build(),
                listener);
        return listener.getSummary();
    }
}
