package io.taskstream.worker.samples;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server (the JDK's) on a free loopback port, fresh for every test. The test adds the
 * routes it needs; every request is recorded, body included. {@link #hang(String)} routes keep the
 * caller waiting until the test ends.
 */
final class LocalHttpServer implements BeforeEachCallback, AfterEachCallback {

    /** One request as the server saw it. */
    record Request(String method, String path, String query, Headers headers, String body) {
    }

    private final List<Request> requests = new CopyOnWriteArrayList<>();
    /** Released when the test ends: lets hanging routes return, so the server stops at once. */
    private final CountDownLatch testOver = new CountDownLatch(1);
    /** Counted down whenever a hanging route has a caller waiting. */
    private final CountDownLatch hanging = new CountDownLatch(1);
    private ExecutorService threads;
    private HttpServer server;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        threads = Executors.newVirtualThreadPerTaskExecutor();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        testOver.countDown();
        server.stop(0);
        threads.close();
    }

    /** {@code http://127.0.0.1:<port><pathAndQuery>}. */
    String url(String pathAndQuery) {
        return URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ":"
                + server.getAddress().getPort() + pathAndQuery).toString();
    }

    /** Answers every request to {@code path} with this status, content type and body. */
    void answer(String path, int status, String contentType, String body) {
        answer(path, status, contentType == null ? Map.of() : Map.of("Content-Type", contentType), body);
    }

    void answer(String path, int status, Map<String, String> headers, String body) {
        route(path, exchange -> respond(exchange, status, headers, body));
    }

    /** Answers {@code {"method", "contentType", "body"}}: what the request brought. */
    void echo(String path) {
        route(path, exchange -> {
            Request request = requests.getLast();
            String contentType = request.headers().getFirst("Content-Type");
            respond(exchange, 200, Map.of("Content-Type", "application/json"), io.taskstream.schemas.Json.mapper()
                    .writeValueAsString(Map.of("method", request.method(),
                            "contentType", contentType == null ? "" : contentType, "body", request.body())));
        });
    }

    /** Keeps every caller of {@code path} waiting until the test ends. */
    void hang(String path) {
        route(path, exchange -> {
            hanging.countDown();
            awaitTestOver();
            respond(exchange, 200, Map.of(), "too late");
        });
    }

    /** For routes: blocks until the test ends (at most 30 s). */
    void awaitTestOver() {
        try {
            testOver.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until a caller waits at a {@link #hang(String)} route. */
    void awaitHangingCaller() throws InterruptedException {
        if (!hanging.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("nobody called the hanging route");
        }
    }

    void route(String path, HttpHandler handler) {
        server.createContext(path, exchange -> {
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders(),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            try (exchange) {
                handler.handle(exchange);
            }
        });
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    private static void respond(HttpExchange exchange, int status, Map<String, String> headers, String body)
            throws IOException {
        headers.forEach(exchange.getResponseHeaders()::add);
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        boolean noBody = bytes.length == 0 || exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, noBody ? -1 : bytes.length);
        if (!noBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
