package io.taskstream.worker.heartbeat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.taskstream.schemas.WorkerHeartbeat;

/**
 * Heartbeats in memory: the latest per worker, and every write in order. {@link #failWith} makes
 * every call fail (Redis down) until {@link #recover()}.
 */
final class InMemoryHeartbeatStore implements HeartbeatStore {

    final Map<String, WorkerHeartbeat> latest = new ConcurrentHashMap<>();
    final List<WorkerHeartbeat> written = new CopyOnWriteArrayList<>();
    private volatile RuntimeException failure;

    InMemoryHeartbeatStore failWith(RuntimeException failure) {
        this.failure = failure;
        return this;
    }

    InMemoryHeartbeatStore recover() {
        this.failure = null;
        return this;
    }

    @Override
    public void write(WorkerHeartbeat heartbeat) {
        if (failure != null) {
            throw failure;
        }
        latest.put(heartbeat.workerId(), heartbeat);
        written.add(heartbeat);
    }

    @Override
    public void remove(String workerId) {
        if (failure != null) {
            throw failure;
        }
        latest.remove(workerId);
    }
}
