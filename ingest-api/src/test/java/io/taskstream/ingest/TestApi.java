package io.taskstream.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.taskstream.schemas.Json;
import tools.jackson.databind.JsonNode;

/** A small HTTP client for the running API; {@code headers} are name/value pairs. */
public record TestApi(String baseUrl, HttpClient http) {

    public static TestApi onPort(int port) {
        return new TestApi("http://127.0.0.1:" + port, HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5)).build());
    }

    public HttpResponse<String> post(String path, String body, String... headers) {
        return send(request(path, headers).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A POST as an API client sends it: JSON, with the admin key. */
    public HttpResponse<String> submit(String body, String... headers) {
        String[] all = new String[headers.length + 4];
        all[0] = "Content-Type";
        all[1] = "application/json";
        all[2] = "Authorization";
        all[3] = "Bearer " + ItSupport.ADMIN_KEY;
        System.arraycopy(headers, 0, all, 4, headers.length);
        return post("/api/v1/tasks", body, all);
    }

    public HttpResponse<String> get(String path, String... headers) {
        return send(request(path, headers).GET());
    }

    /** A GET with the admin key. */
    public HttpResponse<String> getAuthorized(String path) {
        return get(path, "Authorization", "Bearer " + ItSupport.ADMIN_KEY);
    }

    /** Any method with the admin key; a body is sent as JSON. */
    public HttpResponse<String> authorized(String method, String path, String body, String... headers) {
        String[] all = new String[headers.length + (body == null ? 2 : 4)];
        all[0] = "Authorization";
        all[1] = "Bearer " + ItSupport.ADMIN_KEY;
        if (body != null) {
            all[2] = "Content-Type";
            all[3] = "application/json";
        }
        System.arraycopy(headers, 0, all, all.length - headers.length, headers.length);
        return send(method, path, body, all);
    }

    public HttpResponse<String> send(String method, String path, String body, String... headers) {
        return send(request(path, headers).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return builder;
    }

    private HttpResponse<String> send(HttpRequest.Builder builder) {
        try {
            return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(HttpResponse<String> response) {
        return Json.mapper().readTree(response.body());
    }

    /** Asserts a problem response (RFC 9457) with the given status and stable code. */
    public static JsonNode assertProblem(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = json(response);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("code").asString()).isEqualTo(code);
        assertThat(problem.get("type").asString()).isEqualTo("https://taskstream.io/problems/" + code);
        assertThat(problem.get("title").asString()).isNotBlank();
        assertThat(problem.has("detail")).isTrue();
        return problem;
    }
}
