package io.taskstream.worker.heartbeat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;

import io.taskstream.schemas.Priority;

/**
 * What does not change while a worker runs: its id and group, the host it runs on, the version of
 * the worker runtime, the priorities it consumes.
 *
 * @param version the {@code Implementation-Version} of the worker jar's manifest, {@code dev} when
 *                run from classes (an IDE, tests)
 */
public record WorkerIdentity(String workerId, String host, String groupId, String version,
                             List<Priority> priorities) {

    /** The version shown when the classes do not come from a built jar. */
    public static final String DEV_VERSION = "dev";

    public WorkerIdentity {
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(version, "version");
        priorities = List.copyOf(priorities);
    }

    /** This process's identity: the worker consumes all four ready topics. */
    public static WorkerIdentity of(String workerId, String groupId) {
        return new WorkerIdentity(workerId, host(System.getenv("HOSTNAME")), groupId,
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
