package io.taskstream.embedded;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves {@link Infrastructure} parameters (constructor, {@code @BeforeAll}, test methods)
 * with the {@linkplain SharedInfrastructure shared servers} and a database of the test class's
 * own.
 *
 * <pre>{@code
 * @ExtendWith(InfrastructureExtension.class)
 * class LeaseStoreIT {
 *     @Test
 *     void works(Infrastructure infra) { ... infra.redisUrl() ... infra.jdbcUrl() ... }
 * }
 * }</pre>
 *
 * <p>The shared servers are registered in the root extension store, so they stop when the test
 * plan ends (unless {@link SharedInfrastructure#forClass} handed them to Spring contexts, which
 * live until JVM exit), and in any case at JVM exit.
 */
public final class InfrastructureExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(InfrastructureExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == Infrastructure.class;
    }

    @Override
    public Infrastructure resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        extensionContext.getRoot().getStore(NAMESPACE)
                .computeIfAbsent(StopAtEndOfTestPlan.class, key -> new StopAtEndOfTestPlan(), StopAtEndOfTestPlan.class);
        return SharedInfrastructure.databaseFor(extensionContext.getRequiredTestClass());
    }

    /** Closed by JUnit when the root store closes, i.e. when the test plan ends. */
    static final class StopAtEndOfTestPlan implements AutoCloseable {
        @Override
        public void close() {
            SharedInfrastructure.closeAtEndOfTestPlan();
        }
    }
}
