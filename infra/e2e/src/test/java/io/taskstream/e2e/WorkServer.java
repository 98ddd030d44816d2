package io.taskstream.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The instrumented handler of the system tests: tasks of type {@code http.request} call this HTTP
 * server, which does each task's work itself (it takes {@code work} per call) and so sees every run
 * of every task — and counts the runs of one task that overlap (two calls for it in flight at once).
 */
final class WorkServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkServer.class);

    private final HttpServer server;
    private final Duration work;
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger runs = new AtomicInteger();
    private final AtomicInteger overlaps = new AtomicInteger();
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("work-server-timer").factory());

    WorkServer(Duration work) {
        this.work = work;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1_000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/work", this::handle);
        server.start();
    }

    /** The payload of an {@code http.request} task that does task {@code name}'s work here. */
    JsonNode payload(String name) {
        return JsonNodeFactory.instance.objectNode()
                .put("url", "http://127.0.0.1:" + server.getAddress().getPort() + "/work?" + name)
                .put("method", "POST").put("timeoutMs", 20_000);
    }

    /** Tasks whose work is running now. */
    int inFlight() {
        return inFlight.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Distinct tasks whose work was started at least once. */
    int tasksRun() {
        return inFlight.size();
    }

    int runs() {
        return runs.get();
    }

    /** Runs that started while another run of the same task was in flight. */
    int overlaps() {
        return overlaps.get();
    }

    private void handle(HttpExchange exchange) {
        String task = exchange.getRequestURI().getQuery();
        AtomicInteger running = inFlight.computeIfAbsent(task, t -> new AtomicInteger());
        if (running.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
            LOG.error("task {} runs twice at once", task);
        }
        runs.incrementAndGet();
        // the task's work takes `work`; the answer is sent from a timer, so no thread waits
        timer.schedule(() -> finish(exchange, running), work.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void finish(HttpExchange exchange, AtomicInteger running) {
        running.decrementAndGet();
        byte[] body = "{\"done\": true}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        try (OutputStream out = exchange.getResponseBody()) {
            exchange.sendResponseHeaders(200, body.length);
            out.write(body);
        } catch (IOException e) {
            // the worker that asked was killed
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        timer.shutdownNow();
    }
}
