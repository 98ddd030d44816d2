package io.taskstream.embedded;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JVM shutdown hooks for the embedded servers that run <em>after</em> Spring's own hooks.
 *
 * <p>The JVM starts all shutdown hooks at once. Spring closes its (cached test or devstack)
 * application contexts in a hook thread; if Kafka, PostgreSQL or Redis went away at the same
 * moment, consumers and Streams threads would spend their close timeouts retrying a dead server.
 * So our hooks first wait, bounded, for Spring's hook threads to finish.
 */
final class ShutdownHooks {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownHooks.class);

    /** Thread names of Spring Framework's and Spring Boot's context-closing hooks, and of launchers' own. */
    static final Set<String> SPRING_HOOK_THREADS = Set.of("SpringContextShutdownHook", "SpringApplicationShutdownHook",
            EmbeddedInfrastructure.APPLICATION_SHUTDOWN_THREAD);

    static final Duration SPRING_WAIT = Duration.ofSeconds(30);

    /** How long to let the JVM finish starting sibling hook threads before looking for them. */
    private static final long SIBLING_START_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private ShutdownHooks() {
    }

    /** Registers {@code action} to run at JVM exit after Spring's hooks; returns the hook (to remove it). */
    static Thread register(String name, Runnable action) {
        Thread hook = new Thread(() -> {
            awaitSpringHooks(SPRING_WAIT);
            action.run();
        }, name);
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    /** Removes a hook registered by {@link #register}; a no-op while the JVM is already shutting down. */
    static void unregister(Thread hook) {
        if (hook == null || hook == Thread.currentThread()) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it finds the resource closed and does nothing
        }
    }

    /** Waits (at most {@code max}) for live Spring shutdown-hook threads to end. */
    static void awaitSpringHooks(Duration max) {
        LockSupport.parkNanos(SIBLING_START_GRACE_NANOS);
        long deadline = System.nanoTime() + max.toNanos();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread == Thread.currentThread() || !SPRING_HOOK_THREADS.contains(thread.getName())) {
                continue;
            }
            long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (remainingMillis <= 0) {
                LOG.warn("Spring shutdown hooks still running after {}; stopping embedded servers anyway", max);
                return;
            }
            try {
                thread.join(remainingMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
