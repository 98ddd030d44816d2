package io.taskstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoopbackHttpTest {

    private final ExecutorService handlers = Executors.newFixedThreadPool(8);
    private HttpServer server;
    private URI base;
    private final Set<Object> connections = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            connections.add(exchange.getRemoteAddress());
            byte[] request = exchange.getRequestBody().readAllBytes();
            byte[] answer = ("{\"got\": " + new String(request, StandardCharsets.UTF_8) + ", \"key\": \""
                    + exchange.getRequestHeaders().getFirst("X-Key") + "\"}").getBytes(StandardCharsets.UTF_8);
            switch (exchange.getRequestURI().getPath()) {
                case "/chunked" -> {
                    exchange.sendResponseHeaders(202, 0);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(answer, 0, 5);
                        out.flush();
                        out.write(answer, 5, answer.length - 5);
                    }
                }
                case "/empty" -> exchange.sendResponseHeaders(204, -1);
                case "/big" -> {
                    byte[] big = "x".repeat(100_000).getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(200, big.length);
                    exchange.getResponseBody().write(big);
                }
                case "/big-chunked" -> {
                    exchange.sendResponseHeaders(201, 0);
                    try (OutputStream out = exchange.getResponseBody()) {
                        for (int i = 0; i < 50; i++) {
                            out.write("y".repeat(2_000).getBytes(StandardCharsets.UTF_8));
                            out.flush();
                        }
                    }
                }
                case "/closing" -> {
                    exchange.getResponseHeaders().add("Connection", "close");
                    exchange.sendResponseHeaders(200, -1);
                }
                case String path when path.startsWith("/status/") -> {
                    exchange.sendResponseHeaders(Integer.parseInt(path.substring(8)), answer.length);
                    exchange.getResponseBody().write(answer);
                }
                default -> {
                    exchange.sendResponseHeaders(409, answer.length);
                    exchange.getResponseBody().write(answer);
                }
            }
            exchange.close();
        });
        server.setExecutor(handlers);
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
        handlers.shutdownNow();
    }

    private static int status(CompletableFuture<Integer> answer) throws Exception {
        return answer.get(5, TimeUnit.SECONDS);
    }

    @Test
    void readsStatusesAndSkipsBodiesOfEveryLengthOnOneKeptAliveConnection() throws Exception {
        try (LoopbackHttp http = new LoopbackHttp(base)) {
            for (int i = 0; i < 3; i++) {
                assertThat(status(http.post("/sized", "{\"n\": 1}".getBytes(StandardCharsets.UTF_8), "X-Key: k")))
                        .isEqualTo(409);
                assertThat(status(http.post("/chunked", "{}".getBytes(StandardCharsets.UTF_8)))).isEqualTo(202);
                assertThat(status(http.post("/empty", new byte[0]))).isEqualTo(204);
            }
        }
        assertThat(connections).as("one connection, kept alive").hasSize(1);
    }

    @Test
    void aConnectionTheServerClosesIsNotUsedAgain() throws Exception {
        try (LoopbackHttp http = new LoopbackHttp(base)) {
            assertThat(status(http.post("/closing", new byte[0]))).isEqualTo(200);
            assertThat(status(http.post("/closing", new byte[0]))).isEqualTo(200);
        }
        assertThat(connections).as("a new connection after each close").hasSize(2);
    }

    @Test
    void aServerThatIsNotThereIsAnIOExceptionAndOnlyHttpIsSpoken() throws Exception {
        server.stop(0);
        try (LoopbackHttp http = new LoopbackHttp(base)) {
            assertThat(http.post("/sized", new byte[0])).failsWithin(Duration.ofSeconds(5))
                    .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(IOException.class);
        }
        assertThatThrownBy(() -> new LoopbackHttp(URI.create("https://127.0.0.1:1")))
                .hasMessageContaining("only http://");
    }

    @Test
    void concurrentRequestsEachGetTheirOwnAnswerOnConnectionsOfTheirOwn() throws Exception {
        try (LoopbackHttp http = new LoopbackHttp(base)) {
            List<CompletableFuture<Integer>> answers = IntStream.range(200, 240)
                    .mapToObj(code -> http.post("/status/" + code, "{}".getBytes(StandardCharsets.UTF_8))).toList();

            for (int i = 0; i < answers.size(); i++) {
                assertThat(status(answers.get(i))).isEqualTo(200 + i);
            }
        }
        assertThat(connections).hasSizeGreaterThan(1).hasSizeLessThanOrEqualTo(40);
    }

    @Test
    void skipsBodiesLargerThanItsBufferWhetherSizedOrChunked() throws Exception {
        try (LoopbackHttp http = new LoopbackHttp(base)) {
            assertThat(status(http.post("/big", new byte[0]))).isEqualTo(200);
            assertThat(status(http.post("/big-chunked", new byte[0]))).isEqualTo(201);
            assertThat(status(http.post("/sized", new byte[0]))).as("the connection is still in step").isEqualTo(409);
        }
        assertThat(connections).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 200 OK\r\n\r\nno length", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\ncut",
            "SMTP ready\r\n\r\n"})
    void anAnswerThatCannotBeReadToItsEndFailsItsRequest(String answer) throws Exception {
        try (ServerSocket raw = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             LoopbackHttp http = new LoopbackHttp(URI.create("http://127.0.0.1:" + raw.getLocalPort()))) {
            CompletableFuture<Integer> status = http.post("/", new byte[0]);
            try (Socket socket = raw.accept()) {
                socket.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
            }

            assertThat(status).failsWithin(Duration.ofSeconds(5))
                    .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(IOException.class);
        }
    }
}
