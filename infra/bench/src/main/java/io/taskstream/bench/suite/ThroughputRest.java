package io.taskstream.bench.suite;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import io.taskstream.bench.report.BenchReport.Rate;

/**
 * {@code throughput-rest}: no-op tasks through {@code POST /api/v1/tasks:batch}, {@code restBatch} per
 * request, {@code restSenders} requests at once, as fast as the pipeline takes them (paused, like the Kafka
 * path, while the backlog is over its cap). The admin key acts for the scenario's tenant
 * ({@code X-Tenant-Id}). A {@code 429} or {@code 503} is waited out as its {@code Retry-After} says (at most
 * 1 s) and counted; the items each answer accepted ({@code 202}) are the submitted tasks.
 */
final class ThroughputRest {

    static final String NAME = "throughput-rest";

    private ThroughputRest() {
    }

    static Rate run(Run run) throws Exception {
        String tenant = run.tenant("rest");
        Sizes sizes = run.sizes;
        run.print("%s: POST /tasks:batch of %d no-op tasks, %d at once, %d s warm-up + %d s measured", NAME,
                sizes.restBatch(), sizes.restSenders(), sizes.warmup().toSeconds(), sizes.restThroughput().toSeconds());
        String body = batch(sizes.restBatch());
        Deployment.Endpoints endpoints = run.deployment.endpoints();
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoints.apiUrl() + "/api/v1/tasks:batch"))
                .header("Authorization", "Bearer " + endpoints.adminKey()).header("X-Tenant-Id", tenant)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        AtomicLong accepted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Instant start = run.clock.instant();
        Instant from = start.plus(sizes.warmup());
        Instant until = from.plus(sizes.restThroughput());
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
             ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (int s = 0; s < sizes.restSenders(); s++) {
                running.add(senders.submit(() -> {
                    long deadline = System.nanoTime() + Duration.between(run.clock.instant(), until).toNanos();
                    while (run.backlog.acquire(sizes.backlog(), Run.RECORDS_PER_TASK * sizes.restBatch(), deadline)) {
                        HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
                        if (answer.statusCode() == 200) {
                            accepted.addAndGet(count(answer.body(), "\"status\":202"));
                        } else if (answer.statusCode() == 429 || answer.statusCode() == 503) {
                            refused.incrementAndGet();
                            long wait = answer.headers().firstValueAsLong("Retry-After").orElse(1);
                            Thread.sleep(Math.min(1000, wait * 1000)); // the server asked us to wait
                        } else {
                            failed.incrementAndGet();
                            if (failed.get() == 1) {
                                run.note("%s: POST /tasks:batch answered %d: %s", NAME, answer.statusCode(),
                                        answer.body().substring(0, Math.min(300, answer.body().length())));
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> sender : running) {
                sender.get();
            }
        }
        Instant end = run.clock.instant();
        long submitted = accepted.get();
        Run.Measured measured = run.measure(NAME, tenant, submitted, from, end);
        Rate rate = measured.rate();
        if (refused.get() > 0) {
            run.note("%s: %d batch requests were refused (429/503) and waited out", NAME, refused.get());
        }
        run.print("  accepted %d tasks, terminal %d; %d completed in the %.1f s window: %.0f tasks/s; refused %d, "
                + "failed %d requests", submitted, measured.terminal(), rate.tasks(), rate.seconds(),
                rate.tasksPerSec(), refused.get(), failed.get());
        return rate;
    }

    static String batch(int size) {
        StringBuilder json = new StringBuilder("{\"tasks\":[");
        for (int i = 0; i < size; i++) {
            json.append(i == 0 ? "" : ",").append("{\"type\":\"noop\",\"payload\":{}}");
        }
        return json.append("]}").toString();
    }

    static long count(String text, String needle) {
        long count = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length())) {
            count++;
        }
        return count;
    }
}
