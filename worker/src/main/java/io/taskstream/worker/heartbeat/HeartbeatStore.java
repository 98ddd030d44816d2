package io.taskstream.worker.heartbeat;

/**
 * Where heartbeats go: Redis in a worker ({@link RedisHeartbeatStore}). Both methods may throw when
 * the store cannot be reached; {@link HeartbeatPublisher} counts and logs that, and carries on.
 */
public interface HeartbeatStore {

    /** Replaces the worker's heartbeat with this one. */
    void write(Heartbeat heartbeat);

    /** Forgets the worker: it stopped cleanly and is no longer listed. */
    void remove(String workerId);
}
