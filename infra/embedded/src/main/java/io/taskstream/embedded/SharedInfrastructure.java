package io.taskstream.embedded;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One infrastructure per test JVM, started on first use: embedded servers, or the machine's
 * PostgreSQL / Redis when the {@code TASKSTREAM_TEST_*} variables name them
 * ({@link LocalServers}).
 *
 * <p>From a Spring Boot test:
 * <pre>{@code
 * @DynamicPropertySource
 * static void infrastructure(DynamicPropertyRegistry registry) {
 *     SharedInfrastructure.forClass(MyIT.class).springProperties().forEach((k, v) -> registry.add(k, () -> v));
 * }
 * }</pre>
 *
 * <p>It is stopped at JVM exit by a shutdown hook that first lets Spring close its cached
 * application contexts (their consumers would otherwise retry a dead broker for their whole
 * close timeout). When it was only used through {@link InfrastructureExtension}, it is stopped
 * earlier, when the JUnit test plan ends; not so once {@link #forClass} handed endpoints to code
 * that outlives the test plan (Spring's context cache keeps contexts until JVM exit).
 */
public final class SharedInfrastructure {

    private static final Logger LOG = LoggerFactory.getLogger(SharedInfrastructure.class);

    private static final Object LOCK = new Object();
    private static final Map<Class<?>, Infrastructure> PER_CLASS = new ConcurrentHashMap<>();

    private static Supplier<EmbeddedInfrastructure> starter = EmbeddedInfrastructure::startForTests;
    private static EmbeddedInfrastructure instance;
    private static Thread shutdownHook;
    private static boolean handedToLongLivedContexts;

    private SharedInfrastructure() {
    }

    /** The shared endpoints; the JDBC URL names the server's default database (shared by everyone). */
    public static Infrastructure get() {
        return instance().infrastructure();
    }

    /**
     * The shared endpoints with a database of {@code testClass}'s own (created on first call,
     * the same one afterwards), for {@code @DynamicPropertySource} methods. Infrastructure
     * handed out this way is kept until JVM exit.
     */
    public static Infrastructure forClass(Class<?> testClass) {
        synchronized (LOCK) {
            handedToLongLivedContexts = true;
        }
        return databaseFor(testClass);
    }

    /** The per-class database, without promising to keep the servers until JVM exit. */
    static Infrastructure databaseFor(Class<?> testClass) {
        EmbeddedInfrastructure infrastructure = instance();
        return PER_CLASS.computeIfAbsent(testClass, type -> infrastructure.freshDatabase(type.getSimpleName()));
    }

    /** The running shared infrastructure, started if needed. */
    static EmbeddedInfrastructure instance() {
        synchronized (LOCK) {
            if (instance == null) {
                instance = starter.get();
                shutdownHook = ShutdownHooks.register("shared-infrastructure-closer", SharedInfrastructure::close);
            }
            return instance;
        }
    }

    /** Called when the JUnit test plan ends: closes unless Spring contexts may still use it. */
    static void closeAtEndOfTestPlan() {
        synchronized (LOCK) {
            if (handedToLongLivedContexts) {
                LOG.debug("Shared infrastructure stays up until JVM exit (Spring contexts may still use it)");
                return;
            }
        }
        close();
    }

    /** Stops the shared infrastructure now; the next use starts a new one. */
    static void close() {
        EmbeddedInfrastructure closing;
        synchronized (LOCK) {
            closing = instance;
            instance = null;
            PER_CLASS.clear();
            handedToLongLivedContexts = false;
            ShutdownHooks.unregister(shutdownHook);
            shutdownHook = null;
        }
        if (closing != null) {
            closing.close();
        }
    }

    /** Replaces how the infrastructure is started (tests of this module); returns the previous way. */
    static Supplier<EmbeddedInfrastructure> starter(Supplier<EmbeddedInfrastructure> newStarter) {
        synchronized (LOCK) {
            Supplier<EmbeddedInfrastructure> previous = starter;
            starter = newStarter;
            return previous;
        }
    }

    static boolean running() {
        synchronized (LOCK) {
            return instance != null;
        }
    }
}
