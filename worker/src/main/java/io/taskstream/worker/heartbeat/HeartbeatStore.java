package io.taskstream.worker.heartbeat;

import io.taskstream.schemas.WorkerHeartbeat;

/**
 * Where heartbeats go: Redis in a worker ({@link RedisHeartbeatStore}). Both methods may throw when
 * the store cannot be reached; {@link HeartbeatPublisher} counts and logs that, and carries on.
 */
public interface HeartbeatStore {

    /** Replaces the worker's heartbeat with this one. */
    void write(WorkerHeartbeat heartbeat);

    /** Forgets the worker: it stopped cleanly and is no longer listed. */
    void remove(String workerId);
}
