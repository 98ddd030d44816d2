package io.taskstream.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.taskstream.schemas.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Makes the bench's own tenant's rate limit fit the load, in the open, and puts it back afterwards.
 *
 * <p>The API limits every tenant (by default 6,000 requests a minute in the {@code submit} group, a burst
 * of 1,000: docs/security.md#rate-limits); the bench sends one tenant's requests at 1,000/s for minutes, which
 * those defaults would mostly answer with {@code 429}. Before the load this reads the key's tenant
 * ({@code GET /stats}) and its limits ({@code GET /tenants/{id}/limits}); when the {@code submit} limit is
 * below the planned rate (with a quarter's margin) it raises that group's limit for the tenant
 * ({@code PUT /tenants/{id}/limits}, which needs the {@code admin} key the bench is normally given) and
 * says so; {@link #close()} writes the tenant's previous own limits back. The limiter itself stays in the
 * path: its Redis call per request is part of what is measured. When the limits cannot be read (an API
 * without them, a key that is not {@code admin}) it says so and changes nothing.
 */
final class TenantLimitsForRun implements AutoCloseable {

    private final HttpClient http;
    private final URI api;
    private final String authorization;
    private final PrintStream out;
    private final String tenant;
    private final ObjectNode previous;

    private TenantLimitsForRun(HttpClient http, URI api, String authorization, PrintStream out, String tenant,
            ObjectNode previous) {
        this.http = http;
        this.api = api;
        this.authorization = authorization;
        this.out = out;
        this.tenant = tenant;
        this.previous = previous;
    }

    /** The requests a minute the bench asks for at {@code rate} requests a second. */
    static long neededPerMinute(double rate) {
        return (long) Math.ceil(rate * 60 * 1.25);
    }

    /** The burst it asks for: a second of load, and never less than the API's default. */
    static long neededBurst(double rate) {
        return Math.max(1000, (long) Math.ceil(rate));
    }

    static TenantLimitsForRun raise(URI api, String apiKey, double rate, PrintStream out) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String authorization = "Bearer " + apiKey;
        try {
            HttpResponse<String> stats = send(http, api, authorization, "GET", "/api/v1/stats", null);
            if (stats.statusCode() != 200) {
                out.println("  rate limits: not checked (GET /api/v1/stats answered " + stats.statusCode() + ")");
                return noChange(http, api, authorization, out);
            }
            String tenant = Json.mapper().readTree(stats.body()).get("tenantId").asString();
            String path = "/api/v1/tenants/" + tenant + "/limits";
            HttpResponse<String> read = send(http, api, authorization, "GET", path, null);
            if (read.statusCode() != 200) {
                out.println("  rate limits: tenant " + tenant + "'s limits cannot be read (" + read.statusCode()
                        + "); requests over its limit will be answered 429");
                return noChange(http, api, authorization, out);
            }
            JsonNode view = Json.mapper().readTree(read.body());
            JsonNode submit = view.get("effective").get("submit");
            long perMinute = neededPerMinute(rate);
            long burst = neededBurst(rate);
            if (submit.get("requestsPerMinute").asLong() >= perMinute && submit.get("burst").asLong() >= burst) {
                out.printf("  rate limits: tenant %s's submit limit (%d/min, burst %d) covers the load%n", tenant,
                        submit.get("requestsPerMinute").asLong(), submit.get("burst").asLong());
                return noChange(http, api, authorization, out);
            }
            ObjectNode own = ownLimits(view);
            ObjectNode raised = own.deepCopy();
            ObjectNode groups = raised.has("groups") ? (ObjectNode) raised.get("groups") : raised.putObject("groups");
            groups.putObject("submit").put("requestsPerMinute", perMinute).put("burst", burst);
            HttpResponse<String> put = send(http, api, authorization, "PUT", path, raised.toString());
            if (put.statusCode() != 200) {
                out.println("  rate limits: could not raise tenant " + tenant + "'s limit (" + put.statusCode()
                        + "); requests over its limit will be answered 429");
                return noChange(http, api, authorization, out);
            }
            out.printf("  rate limits: tenant %s's submit limit raised from %d/min (burst %d) to %d/min (burst %d) "
                            + "for this run; put back afterwards%n", tenant, submit.get("requestsPerMinute").asLong(),
                    submit.get("burst").asLong(), perMinute, burst);
            return new TenantLimitsForRun(http, api, authorization, out, tenant, own);
        } catch (IOException | RuntimeException e) {
            out.println("  rate limits: not checked (" + e.getMessage() + ")");
            return noChange(http, api, authorization, out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return noChange(http, api, authorization, out);
        }
    }

    /** The tenant's own limits from a limits view, as a {@code PUT} body. */
    static ObjectNode ownLimits(JsonNode view) {
        ObjectNode own = Json.mapper().createObjectNode();
        if (view.hasNonNull("requestsPerMinute")) {
            own.put("requestsPerMinute", view.get("requestsPerMinute").asLong());
            own.put("burst", view.get("burst").asLong());
        }
        if (view.hasNonNull("groups") && !view.get("groups").isEmpty()) {
            own.set("groups", view.get("groups").deepCopy());
        }
        return own;
    }

    private static TenantLimitsForRun noChange(HttpClient http, URI api, String authorization, PrintStream out) {
        return new TenantLimitsForRun(http, api, authorization, out, null, null);
    }

    /** Writes the tenant's previous own limits back, when they were changed. */
    @Override
    public void close() {
        if (previous == null) {
            return;
        }
        try {
            HttpResponse<String> put = send(http, api, authorization, "PUT", "/api/v1/tenants/" + tenant + "/limits",
                    previous.toString());
            out.println(put.statusCode() == 200 ? "  rate limits: tenant " + tenant + "'s own limits put back"
                    : "  rate limits: could not put tenant " + tenant + "'s limits back (" + put.statusCode()
                    + "): set them with PUT /api/v1/tenants/" + tenant + "/limits " + previous);
        } catch (IOException e) {
            out.println("  rate limits: could not put tenant " + tenant + "'s limits back (" + e.getMessage()
                    + "): set them with PUT /api/v1/tenants/" + tenant + "/limits " + previous);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static HttpResponse<String> send(HttpClient http, URI api, String authorization, String method,
            String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", authorization);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
