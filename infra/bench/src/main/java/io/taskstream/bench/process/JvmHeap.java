package io.taskstream.bench.process;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.VirtualMachine;

/**
 * Heap used by other JVMs, through the Attach API and the platform {@link MemoryMXBean} over a local JMX
 * connection that is opened once per process and kept. The own JVM is read directly: attaching to oneself
 * is refused unless {@code -Djdk.attach.allowAttachSelf=true}.
 */
final class JvmHeap implements AutoCloseable {

    static final Duration RETRY_AFTER = Duration.ofSeconds(10);
    private static final double MB = 1024.0 * 1024.0;
    /** SIGQUIT is 3: bit 2 of the SigCgt mask. */
    private static final long SIGQUIT_BIT = 1L << 2;

    private record Connection(JMXConnector connector, MemoryMXBean memory) {
    }

    private final Path procRoot;
    private final LongSupplier nanoTime;
    private final long selfPid = ProcessHandle.current().pid();
    private final Map<Long, Connection> connections = new ConcurrentHashMap<>();
    private final Map<Long, Long> failedAt = new ConcurrentHashMap<>();
    private volatile int attachAttempts;

    JvmHeap(Path procRoot, LongSupplier nanoTime) {
        this.procRoot = procRoot;
        this.nanoTime = nanoTime;
    }

    /** Heap used in MB, or -1 where it cannot be had (attach failed less than {@link #RETRY_AFTER} ago). */
    double heapMb(long pid) {
        if (pid == selfPid) {
            return used(ManagementFactory.getMemoryMXBean());
        }
        Connection c = connection(pid, false);
        if (c == null) {
            return -1;
        }
        try {
            return used(c.memory());
        } catch (RuntimeException e) {
            // the proxy wraps the connection's IOException (process gone, agent stopped): attach again later
            drop(pid, true);
            return -1;
        }
    }

    /** Like {@link #heapMb} after a full collection, trying to attach now whatever failed before. */
    double heapAfterGcMb(long pid) {
        if (pid == selfPid) {
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            memory.gc();
            return used(memory);
        }
        Connection c = connection(pid, true);
        if (c == null) {
            return -1;
        }
        try {
            c.memory().gc();
            return used(c.memory());
        } catch (RuntimeException e) {
            drop(pid, true);
            return -1;
        }
    }

    /** The process is gone: close its connection and forget its failures (the pid may come back as another). */
    void forget(long pid) {
        drop(pid, false);
        failedAt.remove(pid);
    }

    int attachAttempts() {
        return attachAttempts;
    }

    // one attach at a time, so that the sampler and heapAfterGcMb never attach twice to the same process
    private synchronized Connection connection(long pid, boolean force) {
        Connection c = connections.get(pid);
        if (c != null) {
            return c;
        }
        Long failed = failedAt.get(pid);
        if (!force && failed != null && nanoTime.getAsLong() - failed < RETRY_AFTER.toNanos()) {
            return null;
        }
        attachAttempts++;
        try {
            c = attach(pid);
            connections.put(pid, c);
            failedAt.remove(pid);
            return c;
        } catch (Exception e) {
            // not a JVM, another user's, started with -XX:+DisableAttachMechanism, not yet up, or gone
            failedAt.put(pid, nanoTime.getAsLong());
            return null;
        }
    }

    private Connection attach(long pid) throws Exception {
        if (!catchesSigquit(pid)) {
            // HotSpot asks a JVM to open its attach socket with SIGQUIT and checks this mask itself, but only
            // after ~5 s of retries: reading it first makes "not a JVM" (or "not started yet") cost nothing
            throw new IOException("process " + pid + " does not handle SIGQUIT: not a JVM that can be attached");
        }
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        String address;
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
        try {
            return new Connection(connector, ManagementFactory.newPlatformMXBeanProxy(
                    connector.getMBeanServerConnection(), ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class));
        } catch (IOException | RuntimeException e) {
            connector.close();
            throw e;
        }
    }

    private boolean catchesSigquit(long pid) {
        try (var lines = Files.lines(procRoot.resolve(Long.toString(pid)).resolve("status"))) {
            return lines.filter(l -> l.startsWith("SigCgt:")).findFirst()
                    .map(l -> (Long.parseUnsignedLong(l.substring("SigCgt:".length()).strip(), 16) & SIGQUIT_BIT) != 0)
                    .orElse(false);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private void drop(long pid, boolean failed) {
        Connection c = connections.remove(pid);
        if (failed) {
            failedAt.put(pid, nanoTime.getAsLong());
        }
        if (c != null) {
            try {
                c.connector().close();
            } catch (IOException | RuntimeException e) {
                // the other end is usually gone already: nothing left to release here
            }
        }
    }

    @Override
    public void close() {
        connections.keySet().forEach(pid -> drop(pid, false));
    }

    private static double used(MemoryMXBean memory) {
        return memory.getHeapMemoryUsage().getUsed() / MB;
    }
}
