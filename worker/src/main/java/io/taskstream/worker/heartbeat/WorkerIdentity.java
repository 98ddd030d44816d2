package io.taskstream.worker.heartbeat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import io.taskstream.schemas.Priority;
import io.taskstream.schemas.WorkerHeartbeat;

/**
 * How this process finds out its {@link WorkerHeartbeat.Identity}, what does not change while a
 * worker runs: its id and group (configured), the host it runs on, the version of the worker runtime
 * (the {@code Implementation-Version} of the worker jar's manifest, {@code dev} when run from
 * classes: an IDE, tests), the priorities it consumes.
 */
public final class WorkerIdentity {

    /** The version shown when the classes do not come from a built jar. */
    public static final String DEV_VERSION = "dev";

    private WorkerIdentity() {
    }

    /** This process's identity: the worker consumes all four ready topics. */
    public static WorkerHeartbeat.Identity of(String workerId, String groupId) {
        return new WorkerHeartbeat.Identity(workerId, host(System.getenv("HOSTNAME")), groupId,
                versionOf(WorkerIdentity.class), List.of(Priority.values()));
    }

    /** {@code hostnameVariable} when set (containers), else what the network configuration says. */
    static String host(String hostnameVariable) {
        if (hostnameVariable != null && !hostnameVariable.isBlank()) {
            return hostnameVariable.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }

    static String versionOf(Class<?> type) {
        String version = type.getPackage() == null ? null : type.getPackage().getImplementationVersion();
        return version == null || version.isBlank() ? DEV_VERSION : version;
    }
}
