package io.taskstream.bench;

import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import io.taskstream.schemas.Topics;

/**
 * The {@code submit} scenario: {@code POST /api/v1/tasks} (or {@code /tasks:batch}) at a fixed rate
 * against a running Taskstream, with the projection's lag on {@code events} and the workers' queue
 * depth on the ready topics sampled every second. After the load it waits (bounded) for the
 * projection to catch up and reports how long that took. The tenant's {@code submit} rate limit is
 * raised to fit the load for the run and put back afterwards ({@link TenantLimitsForRun}).
 *
 * @param api        the API's base URL, e.g. {@code http://127.0.0.1:8080}
 * @param apiKey     a key with scope {@code task:create}
 * @param kafka      bootstrap servers, for the lag probes; null skips them
 * @param rate       requests per second
 * @param batch      tasks per request: 0 sends single {@code POST /tasks}, n ≥ 1 sends batches of n
 * @param body       one task's JSON (its {@code idempotencyKey} is added per task when {@code idempotent})
 * @param idempotent whether every task carries a fresh idempotency key (exercises the Redis fast path)
 * @param catchUp    how long to wait for the projection to catch up after the load
 */
public record SubmitScenario(URI api, String apiKey, String kafka, double rate, Duration warmup, Duration duration,
                             int batch, String body, boolean idempotent, Topics topics, String projectionGroup,
                             String workerGroup, Duration catchUp) implements Scenario {

    public static final String DEFAULT_BODY = "{\"type\": \"sleep\", \"payload\": {\"ms\": 0}}";

    public SubmitScenario {
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be 0 (single submissions) or a batch size");
        }
        if (!body.strip().startsWith("{") || !body.strip().endsWith("}")) {
            throw new IllegalArgumentException("the task body must be a JSON object");
        }
    }

    /** Runs the scenario, prints its report on {@code out} and returns the load result. */
    public OpenLoop.Result run(PrintStream out) throws Exception {
        String runId = UUID.randomUUID().toString().substring(0, 8);
        OpenLoop loop = new OpenLoop(rate, warmup, duration, Duration.ofSeconds(30));
        try (TenantLimitsForRun limits = TenantLimitsForRun.raise(api, apiKey, rate, out);
             LoopbackHttp http = new LoopbackHttp(api);
             Admin admin = kafka == null ? null : admin(kafka);
             LagProbe projection = admin == null ? null
                     : new LagProbe(admin, projectionGroup, List.of(topics.events()), Duration.ofSeconds(2));
             LagProbe queue = admin == null ? null
                     : new LagProbe(admin, workerGroup, topics.readyTopics(), Duration.ofSeconds(2))) {
            if (projection != null) {
                projection.start(Duration.ofSeconds(1));
                queue.start(Duration.ofSeconds(1));
            }
            out.printf("submit: %.0f requests/s%s for %ds after a %ds warm-up against %s%n", rate,
                    batch == 0 ? "" : " of " + batch + " tasks", duration.toSeconds(), warmup.toSeconds(), api);
            String authorization = "Authorization: Bearer " + apiKey;
            CompletableFuture<Optional<HostCpu>> cpuBefore = CompletableFuture.supplyAsync(
                    () -> HostCpu.read(HostCpu.PROC_STAT),
                    CompletableFuture.delayedExecutor(warmup.toMillis(), TimeUnit.MILLISECONDS));
            OpenLoop.Result result = loop.run(index -> http.post(path(), body(runId, index), authorization));
            Optional<HostCpu> cpuAfter = HostCpu.read(HostCpu.PROC_STAT);
            Report.print(out, result);
            out.println("  " + HostCpu.describe(cpuBefore.getNow(Optional.empty()), cpuAfter));
            if (projection != null) {
                out.printf("  projection lag (group %s on %s): max %d events%n", projectionGroup, topics.events(),
                        projection.maxLag());
                out.printf("  workers' queue depth (group %s on ready.*): max %d tasks%n", workerGroup, queue.maxLag());
                out.println("  projection caught up " + catchUp(projection, catchUp) + " after the load");
            }
            return result;
        }
    }

    private static String catchUp(LagProbe projection, Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (projection.caughtUp(projection.lag())) {
                    return String.format("%.1f s", (System.nanoTime() - start) / 1e9);
                }
            } catch (Exception e) {
                // try again until the deadline
            }
            Thread.sleep(100);
        }
        return "not within " + timeout.toSeconds() + " s";
    }

    String path() {
        return batch == 0 ? "/api/v1/tasks" : "/api/v1/tasks:batch";
    }

    byte[] body(String runId, long index) {
        return (batch == 0 ? task(runId, index, 0) : batchOf(runId, index)).getBytes(StandardCharsets.UTF_8);
    }

    private String batchOf(String runId, long index) {
        StringBuilder json = new StringBuilder("{\"tasks\": [");
        for (int i = 0; i < batch; i++) {
            json.append(i == 0 ? "" : ", ").append(task(runId, index, i));
        }
        return json.append("]}").toString();
    }

    private String task(String runId, long index, int item) {
        if (!idempotent) {
            return body;
        }
        String inner = body.strip();
        String key = "\"idempotencyKey\": \"bench-" + runId + "-" + index + "-" + item + "\"";
        return "{" + key + (inner.length() > 2 ? ", " : "") + inner.substring(1);
    }

    private static Admin admin(String bootstrap) {
        Properties config = new Properties();
        config.putAll(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
        return Admin.create(config);
    }
}
