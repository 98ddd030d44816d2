package io.taskstream.worker.execution;

import org.slf4j.MDC;

import io.taskstream.schemas.TaskDispatch;

/** Puts the ids of one attempt into the logging MDC of the current thread, and takes them out again. */
final class TaskMdc implements AutoCloseable {

    static final String TASK_ID = "task_id";
    static final String TENANT_ID = "tenant_id";
    static final String WORKER_ID = "worker_id";

    private TaskMdc() {
    }

    static TaskMdc put(TaskDispatch dispatch, String workerId) {
        MDC.put(TASK_ID, dispatch.taskId().toString());
        MDC.put(TENANT_ID, dispatch.tenantId());
        MDC.put(WORKER_ID, workerId);
        return new TaskMdc();
    }

    @Override
    public void close() {
        MDC.remove(TASK_ID);
        MDC.remove(TENANT_ID);
        MDC.remove(WORKER_ID);
    }
}
