package io.taskstream.schemas.spring;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Whether Kafka can be reached (health component {@code kafka}, in every service's readiness group):
 * the cluster answers a {@code describeCluster} within {@link #TIMEOUT}, else {@code DOWN}. The admin
 * client is created on first use and kept (creating one per probe would open new connections).
 * Registered by {@link KafkaHealthConfiguration}.
 */
public class KafkaHealthIndicator extends AbstractHealthIndicator implements DisposableBean {

    /** How long one check waits for the cluster: a probe answers within about this. */
    public static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final Supplier<Admin> admins;
    /** Guarded by {@code this}: created once, closed on shutdown. */
    private Admin admin;

    /** Checks the cluster that {@code adminConfig} (Boot's {@code KafkaAdmin} settings) points at. */
    public KafkaHealthIndicator(Map<String, Object> adminConfig) {
        this(adminClient(adminConfig));
    }

    /** Checks the cluster of the admin client {@code admins} creates (once). */
    KafkaHealthIndicator(Supplier<Admin> admins) {
        super("Kafka health check failed");
        this.admins = Objects.requireNonNull(admins, "admins");
    }

    private static Supplier<Admin> adminClient(Map<String, Object> adminConfig) {
        Map<String, Object> config = new HashMap<>(adminConfig);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        return () -> Admin.create(config);
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        DescribeClusterResult cluster = admin().describeCluster(
                new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()));
        String clusterId = cluster.clusterId().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        int nodes = cluster.nodes().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).size();
        builder.up().withDetail("clusterId", clusterId).withDetail("nodes", nodes);
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = admins.get();
        }
        return admin;
    }

    @Override
    public synchronized void destroy() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
            admin = null;
        }
    }
}
