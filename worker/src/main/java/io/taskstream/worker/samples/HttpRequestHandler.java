package io.taskstream.worker.samples;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.taskstream.schemas.Json;
import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.NonRetryableException;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code http.request}: one real HTTP call with Java's {@link HttpClient}. Payload
 * {@code {"url", "method", "headers", "body", "timeoutMs", "expectStatus"}}; only {@code url} (http or
 * https) is required, {@code method} defaults to {@code GET}, {@code timeoutMs} to
 * {@link #DEFAULT_TIMEOUT}. A string {@code body} is sent as {@code text/plain}, any other JSON as
 * {@code application/json}, unless {@code headers} name a {@code Content-Type}. Answers
 * {@code {"status", "headers", "body", "truncated"}}: a few response headers
 * ({@link #RESULT_HEADERS}), the body as JSON when the response says it is JSON and it parses, else
 * as a string, cut at {@link #MAX_BODY} bytes.
 *
 * <p>Outcomes: a 2xx status (or one listed in {@code expectStatus}) completes. Any other status fails
 * with {@code http_status}, retryable for 5xx, 429 and 408, not for the rest. No response within the
 * timeout fails retryable with {@code http_timeout}; a refused or broken connection retryable with
 * {@code http_error}. A payload that cannot make a request fails with {@code invalid_payload}, not
 * retryable, without a call.
 *
 * <p>How: one {@link HttpClient} for all tasks (its connection pool and HTTP/2 sessions are shared),
 * closed with the handler. The call runs asynchronously; the handler's thread (a virtual one in the
 * worker) parks on the response in slices of {@link Sleeper#SLICE}, looks at
 * {@link TaskContext#isCancelled()} between slices, and abandons the exchange on a cancel, a timeout
 * or an interrupt. {@code timeoutMs} bounds the whole exchange, body included.
 *
 * <p>Secrets: header values are never logged nor put into a failure message, and URLs appear in
 * messages and logs without their query string and user info.
 */
public final class HttpRequestHandler implements TaskHandler, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpRequestHandler.class);

    static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD");
    /** When the payload has no {@code timeoutMs}. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** Response bytes kept; well below the worker's default {@code max-result-size} of 64KB. */
    static final int MAX_BODY = 16 * 1024;
    /** The response headers copied into the result; the others (cookies above all) are left out. */
    static final List<String> RESULT_HEADERS = List.of(
            "content-type", "content-length", "location", "etag", "last-modified", "retry-after");

    record Payload(String url, String method, Map<String, String> headers, JsonNode body, Long timeoutMs,
                   List<Integer> expectStatus) {
    }

    /** A payload that cannot make a request; the message never repeats a header value. */
    private static final class InvalidPayload extends RuntimeException {
        InvalidPayload(String message) {
            super(message, null, false, false);
        }
    }

    private final HttpClient client;
    private final int maxBody;

    public HttpRequestHandler() {
        this(HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build(), MAX_BODY);
    }

    HttpRequestHandler(HttpClient client, int maxBody) {
        this.client = client;
        this.maxBody = maxBody;
    }

    @Override
    public String type() {
        return "http.request";
    }

    @Override
    public HandlerResult handle(TaskContext context) throws InterruptedException {
        Payload payload;
        URI url;
        HttpRequest request;
        try {
            payload = context.payloadAs(Payload.class);
            url = url(payload.url());
            request = request(payload, url);
        } catch (NonRetryableException | InvalidPayload e) {
            return HandlerResult.failed("invalid_payload", e.getMessage(), false);
        }
        String call = request.method() + " " + redacted(url);

        AtomicReference<BoundedBody> reading = new AtomicReference<>();
        CompletableFuture<HttpResponse<BoundedBody.Bytes>> exchange = client.sendAsync(request, info -> {
            BoundedBody body = new BoundedBody(maxBody);
            reading.set(body);
            return body;
        });
        Duration timeout = request.timeout().orElseThrow();
        CompletableFuture<HttpResponse<BoundedBody.Bytes>> response =
                exchange.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Runnable abandon = () -> {
            exchange.cancel(true);
            BoundedBody body = reading.get();
            if (body != null) {
                body.abort();
            }
        };
        try {
            while (true) {
                try {
                    return answer(call, payload.expectStatus(), response.get(Sleeper.SLICE.toMillis(), TimeUnit.MILLISECONDS));
                } catch (TimeoutException notYet) {
                    if (context.isCancelled()) {
                        abandon.run();
                        return HandlerResult.cancelled(call + " abandoned: the task was cancelled");
                    }
                }
            }
        } catch (ExecutionException e) {
            abandon.run();
            return failure(call, timeout, e.getCause());
        } catch (InterruptedException e) {
            abandon.run();
            throw e;
        }
    }

    /** Ends calls in flight and releases the client's threads; abandoned attempts are delivered again. */
    @Override
    public void close() {
        client.shutdownNow();
    }

    private static URI url(String url) {
        if (url == null || url.isBlank()) {
            throw new InvalidPayload("http.request needs a \"url\"");
        }
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new InvalidPayload("url is not a valid URI: " + e.getReason() + " at index " + e.getIndex());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new InvalidPayload("url must be http or https, was " + (scheme.isEmpty() ? "relative" : scheme));
        }
        if (uri.getHost() == null) {
            throw new InvalidPayload("url must name a host");
        }
        return uri;
    }

    private static HttpRequest request(Payload payload, URI url) {
        String method = payload.method() == null ? "GET" : payload.method().strip().toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw new InvalidPayload("method must be one of " + new TreeSet<>(METHODS)
                    + ", was " + payload.method());
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(url).timeout(timeout(payload.timeoutMs()));
        boolean contentType = false;
        if (payload.headers() != null) {
            for (Map.Entry<String, String> header : payload.headers().entrySet()) {
                try {
                    builder.header(header.getKey(), header.getValue() == null ? "" : header.getValue());
                } catch (IllegalArgumentException e) {
                    // the client's message may quote the value: name the header only
                    throw new InvalidPayload("header \"" + header.getKey() + "\" cannot be sent (a restricted"
                            + " name, or a name or value with characters HTTP does not allow)");
                }
                contentType |= header.getKey().equalsIgnoreCase("Content-Type");
            }
        }
        JsonNode body = payload.body();
        if (body == null || body.isNull() || body.isMissingNode()) {
            return builder.method(method, HttpRequest.BodyPublishers.noBody()).build();
        }
        if (method.equals("HEAD")) {
            throw new InvalidPayload("a HEAD request has no body");
        }
        if (!contentType) {
            builder.header("Content-Type", body.isString() ? "text/plain; charset=utf-8" : "application/json");
        }
        String text = body.isString() ? body.asString() : Json.mapper().writeValueAsString(body);
        return builder.method(method, HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)).build();
    }

    private static Duration timeout(Long timeoutMs) {
        if (timeoutMs == null) {
            return DEFAULT_TIMEOUT;
        }
        if (timeoutMs < 1 || timeoutMs > Millis.MAX) {
            throw new InvalidPayload("timeoutMs must be between 1 and " + Millis.MAX + ", was " + timeoutMs);
        }
        return Duration.ofMillis(timeoutMs);
    }

    private static HandlerResult answer(String call, List<Integer> expectStatus,
                                        HttpResponse<BoundedBody.Bytes> response) {
        int status = response.statusCode();
        log.debug("{} answered {}", call, status);
        boolean expected = expectStatus == null || expectStatus.isEmpty()
                ? status >= 200 && status < 300
                : expectStatus.contains(status);
        if (!expected) {
            boolean retryable = status >= 500 || status == 429 || status == 408;
            return HandlerResult.failed("http_status", call + " answered " + status
                    + (expectStatus == null || expectStatus.isEmpty() ? "" : ", expected one of " + expectStatus),
                    retryable);
        }
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.put("status", status);
        ObjectNode headers = result.putObject("headers");
        for (String name : RESULT_HEADERS) {
            response.headers().firstValue(name).ifPresent(value -> headers.put(name, value));
        }
        BoundedBody.Bytes body = response.body();
        result.set("body", body(response.headers().firstValue("content-type").orElse(""), body));
        result.put("truncated", body.truncated());
        return HandlerResult.completed(result);
    }

    /** JSON if the response says so and all of it parses; otherwise the text in the response's charset. */
    private static JsonNode body(String contentType, BoundedBody.Bytes body) {
        if (body.bytes().length == 0) {
            return JsonNodeFactory.instance.nullNode();
        }
        String mediaType = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!body.truncated() && (mediaType.equals("application/json") || mediaType.endsWith("+json"))) {
            try {
                return Json.mapper().readTree(body.bytes());
            } catch (JacksonException notJson) {
                // fall through: a broken document is still worth seeing
            }
        }
        return JsonNodeFactory.instance.stringNode(new String(body.bytes(), charset(contentType)));
    }

    private static Charset charset(String contentType) {
        for (String parameter : contentType.split(";")) {
            String[] pair = parameter.strip().split("=", 2);
            if (pair.length == 2 && pair[0].strip().equalsIgnoreCase("charset")) {
                try {
                    return Charset.forName(pair[1].strip().replace("\"", ""));
                } catch (IllegalArgumentException unknown) {
                    return StandardCharsets.UTF_8;
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    private static HandlerResult failure(String call, Duration timeout, Throwable error) {
        while ((error instanceof CompletionException || error instanceof ExecutionException) && error.getCause() != null) {
            error = error.getCause();
        }
        if (error instanceof TimeoutException || error instanceof HttpTimeoutException) {
            return HandlerResult.failed("http_timeout", call + " did not answer within " + timeout.toMillis() + " ms", true);
        }
        String what = error instanceof IOException ? "failed" : "failed unexpectedly";
        return HandlerResult.failed("http_error", call + " " + what + ": " + error.getClass().getSimpleName()
                + (error.getMessage() == null ? "" : " " + error.getMessage()), true);
    }

    /** The URL as messages and logs show it: no user info, no query, no fragment. */
    static String redacted(URI url) {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
                + (url.getRawPath() == null ? "" : url.getRawPath());
    }
}
