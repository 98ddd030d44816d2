package io.taskstream.ingest;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import org.springframework.test.context.DynamicPropertyRegistry;

import io.taskstream.embedded.SharedInfrastructure;

/**
 * What every integration test of this module registers: the shared embedded infrastructure
 * (Kafka, a fresh Postgres database for the class, Redis), an admin key, and topics and
 * projection groups of the class's own, so that test classes sharing the broker never see each
 * other's records. Rate limits are set far above what any test sends ({@link #GENEROUS_RATE_PER_MINUTE}), so
 * that only the tests of the limiter ever see a {@code 429}.
 */
public final class ItSupport {

    public static final String ADMIN_KEY = "ts_it_0123456789abcdef0123456789abcdef";
    /** The rate limit of every integration test's tenants: no test comes near it. */
    public static final int GENEROUS_RATE_PER_MINUTE = 6_000_000;
    public static final int GENEROUS_BURST = 1_000_000;

    private ItSupport() {
    }

    public static void register(Class<?> testClass, DynamicPropertyRegistry registry) {
        properties(testClass).forEach((k, v) -> registry.add(k, () -> v));
    }

    /** The properties as a map, e.g. for a context started with {@code SpringApplicationBuilder}. */
    public static Map<String, String> properties(Class<?> testClass) {
        Map<String, String> properties = new HashMap<>(infrastructure(testClass));
        String id = testClass.getSimpleName().toLowerCase(Locale.ROOT) + "-" + UUID.randomUUID().toString().substring(0, 8);
        properties.put("taskstream.topics.prefix", "it-" + id + ".");
        properties.put("taskstream.topics.partitions", "2");
        properties.put("taskstream.ingest.projection-group-id", "projection-" + id);
        properties.put("taskstream.ingest.dlq-projection-group-id", "dlq-projection-" + id);
        properties.put("taskstream.ingest.admin-key", ADMIN_KEY);
        // rate limits far above what any test sends, in buckets of the class's own (RateLimitIT sets its own)
        properties.put("taskstream.ingest.rate-limit.requests-per-minute", Integer.toString(GENEROUS_RATE_PER_MINUTE));
        properties.put("taskstream.ingest.rate-limit.burst", Integer.toString(GENEROUS_BURST));
        properties.put("taskstream.ingest.rate-limit.key-prefix", "it-" + id + ":ratelimit:");
        return properties;
    }

    /** A port nothing listens on (it was free a moment ago): where a test points a dependency that is down. */
    public static int unusedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> infrastructure(Class<?> testClass) {
        return SharedInfrastructure.forClass(testClass).springProperties();
    }
}
