package io.taskstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoopbackHttpTest {

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
                case "/closing" -> {
                    exchange.getResponseHeaders().add("Connection", "close");
                    exchange.sendResponseHeaders(200, -1);
                }
                default -> {
                    exchange.sendResponseHeaders(409, answer.length);
                    exchange.getResponseBody().write(answer);
                }
            }
            exchange.close();
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void readsStatusesAndSkipsBodiesOfEveryLengthOnOneKeptAliveConnection() throws Exception {
        try (LoopbackHttp http = new LoopbackHttp(base)) {
            for (int i = 0; i < 3; i++) {
                assertThat(http.post("/sized", "{\"n\": 1}".getBytes(StandardCharsets.UTF_8), "X-Key: k")).isEqualTo(409);
                assertThat(http.post("/chunked", "{}".getBytes(StandardCharsets.UTF_8))).isEqualTo(202);
                assertThat(http.post("/empty", new byte[0])).isEqualTo(204);
            }
        }
        assertThat(connections).as("one connection, kept alive").hasSize(1);
    }

    @Test
    void aConnectionTheServerClosesIsNotUsedAgain() throws Exception {
        try (LoopbackHttp http = new LoopbackHttp(base)) {
            assertThat(http.post("/closing", new byte[0])).isEqualTo(200);
            assertThat(http.post("/closing", new byte[0])).isEqualTo(200);
        }
        assertThat(connections).as("a new connection after each close").hasSize(2);
    }

    @Test
    void aServerThatIsNotThereIsAnIOExceptionAndOnlyHttpIsSpoken() throws Exception {
        server.stop(0);
        try (LoopbackHttp http = new LoopbackHttp(base)) {
            assertThatThrownBy(() -> http.post("/sized", new byte[0])).isInstanceOf(IOException.class);
        }
        assertThatThrownBy(() -> new LoopbackHttp(URI.create("https://127.0.0.1:1")))
                .hasMessageContaining("only http://");
    }
}
