package io.taskstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.taskstream.schemas.Json;

/** The bench raises its tenant's submit limit only when the load needs it, and puts the old one back. */
class TenantLimitsForRunTest {

    private HttpServer server;
    private final List<String> puts = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    private URI serve(String limitsView) throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/stats", exchange -> answer(exchange, 200, "{\"tenantId\": \"acme\"}"));
        server.createContext("/api/v1/tenants/acme/limits", exchange -> {
            if (exchange.getRequestMethod().equals("PUT")) {
                puts.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                answer(exchange, 200, limitsView);
            } else {
                answer(exchange, 200, limitsView);
            }
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static void answer(HttpExchange exchange, int status, String body) throws java.io.IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    static final String DEFAULTS = """
            {"tenantId": "acme", "requestsPerMinute": 12000, "burst": 2000,
             "groups": {"query": {"requestsPerMinute": 60, "burst": 5}},
             "effective": {"submit": {"requestsPerMinute": 12000, "burst": 2000},
                           "query": {"requestsPerMinute": 60, "burst": 5},
                           "admin": {"requestsPerMinute": 12000, "burst": 2000}},
             "updatedAt": "2026-11-28T10:00:00Z"}""";

    @Test
    void aLimitBelowTheLoadIsRaisedForTheRunAndTheTenantsOwnLimitsArePutBack() throws Exception {
        URI api = serve(DEFAULTS);

        try (TenantLimitsForRun limits = TenantLimitsForRun.raise(api, "ts_k", 1000, out)) {
            assertThat(puts).hasSize(1);
            assertThat(Json.mapper().readTree(puts.getFirst())).isEqualTo(Json.mapper().readTree("""
                    {"requestsPerMinute": 12000, "burst": 2000,
                     "groups": {"query": {"requestsPerMinute": 60, "burst": 5},
                                "submit": {"requestsPerMinute": 75000, "burst": 1000}}}"""));
        }

        assertThat(puts).hasSize(2);
        assertThat(Json.mapper().readTree(puts.get(1))).isEqualTo(Json.mapper().readTree("""
                {"requestsPerMinute": 12000, "burst": 2000, "groups": {"query": {"requestsPerMinute": 60, "burst": 5}}}"""));
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("tenant acme's submit limit raised from 12000/min (burst 2000) to 75000/min (burst 1000)")
                .contains("tenant acme's own limits put back");
    }

    @Test
    void aLimitThatCoversTheLoadIsLeftAlone() throws Exception {
        URI api = serve(DEFAULTS);

        try (TenantLimitsForRun limits = TenantLimitsForRun.raise(api, "ts_k", 100, out)) {
            assertThat(puts).isEmpty();
        }

        assertThat(puts).isEmpty();
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("covers the load");
    }

    @Test
    void anApiWithoutLimitsIsLeftAlone() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.start();

        try (TenantLimitsForRun limits = TenantLimitsForRun.raise(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "ts_k", 1000, out)) {
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("not checked (GET /api/v1/stats answered 404)");
        }
    }
}
