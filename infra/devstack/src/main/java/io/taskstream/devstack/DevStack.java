package io.taskstream.devstack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import io.taskstream.embedded.EmbeddedInfrastructure;
import io.taskstream.embedded.Infrastructure;
import io.taskstream.embedded.LocalServers;
import io.taskstream.embedded.ProcessRegistry;
import io.taskstream.ingest.IngestApiApplication;
import io.taskstream.scheduler.SchedulerApplication;
import io.taskstream.worker.WorkerApplication;

/**
 * The whole of Taskstream in one JVM: real embedded Kafka (KRaft), PostgreSQL and Redis (or the
 * servers the {@code TASKSTREAM_*} variables name), then the three services, each in its own
 * Spring context exactly as it runs alone — the ingest API with its projection, the Kafka Streams
 * scheduler and a worker with the sample handlers.
 *
 * <p>Each service reads its own configuration file ({@code spring.config.name} = its module
 * name), so three {@code application.yml} files on one class path never shadow each other.
 * Start-up is parallel: the servers together, then the three contexts together (each creates
 * the topics it needs, so their order does not matter). {@link #close()} stops the contexts,
 * then the servers, and is idempotent.
 */
public final class DevStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DevStack.class);

    private final EmbeddedInfrastructure servers;
    private final Infrastructure endpoints;
    private final List<ConfigurableApplicationContext> contexts;
    private final String adminKey;
    private final int httpPort;
    private final Duration startupTime;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DevStack(EmbeddedInfrastructure servers, Infrastructure endpoints,
                     List<ConfigurableApplicationContext> contexts, String adminKey, int httpPort,
                     Duration startupTime) {
        this.servers = servers;
        this.endpoints = endpoints;
        this.contexts = contexts;
        this.adminKey = adminKey;
        this.httpPort = httpPort;
        this.startupTime = startupTime;
    }

    /** Starts everything; on any failure stops what did start and rethrows. */
    public static DevStack start(DevSettings settings) {
        long begin = System.nanoTime();
        // one logging configuration for the JVM (logback.xml): three contexts initialising Spring
        // Boot's logging system concurrently would attach the console appender three times
        System.setProperty(LoggingSystem.SYSTEM_PROPERTY, LoggingSystem.NONE);
        LocalServers local = new LocalServers(settings.dbUrl(), settings.dbUser(), settings.dbPassword(),
                settings.redisUrl(), settings.kafkaBootstrap());
        EmbeddedInfrastructure servers = EmbeddedInfrastructure.start(local,
                new ProcessRegistry(settings.workDir().resolve("run")));
        Infrastructure endpoints = servers.infrastructure();
        List<ConfigurableApplicationContext> started = new ArrayList<>();
        try {
            Path stateDir = Files.createDirectories(settings.workDir().resolve("streams"))
                    .resolve("state-" + UUID.randomUUID());
            Map<String, String> common = commonProperties(endpoints, settings);
            // payload encryption works out of the box: a key generated once into the work dir (DevKeys)
            Optional<Path> keysFile = DevKeys.ensure(System::getenv, settings.workDir(), new SecureRandom());

            Map<String, String> ingest = new LinkedHashMap<>(common);
            ingest.put("server.port", String.valueOf(settings.httpPort()));
            ingest.put("server.address", "127.0.0.1");
            ingest.put("taskstream.ingest.admin-key", settings.adminKey());
            keysFile.ifPresent(file -> ingest.put("taskstream.encryption.keys-file", file.toString()));

            Map<String, String> scheduler = new LinkedHashMap<>(common);
            scheduler.put("taskstream.scheduler.state-dir", stateDir.toString());
            // one scheduler instance: a standby replica has nowhere to live
            scheduler.put("taskstream.scheduler.standby-replicas", "0");

            Map<String, String> worker = new LinkedHashMap<>(common);
            worker.put("taskstream.worker.sample-handlers", "true");
            keysFile.ifPresent(file -> worker.put("taskstream.encryption.keys-file", file.toString()));

            List<CompletableFuture<ConfigurableApplicationContext>> starting = new ArrayList<>(List.of(
                    startAsync("ingest-api", IngestApiApplication.application(), WebApplicationType.SERVLET, ingest),
                    startAsync("scheduler", SchedulerApplication.application(), WebApplicationType.NONE, scheduler)));
            if (settings.worker()) {
                starting.add(startAsync("worker", WorkerApplication.application(), WebApplicationType.NONE, worker));
            }
            RuntimeException failure = null;
            for (CompletableFuture<ConfigurableApplicationContext> context : starting) {
                try {
                    started.add(context.join());
                } catch (CompletionException e) {
                    failure = failure == null ? unwrap(e) : failure;
                }
            }
            if (failure != null) {
                throw failure;
            }
            int port = ((WebServerApplicationContext) started.getFirst()).getWebServer().getPort();
            Duration elapsed = Duration.ofNanos(System.nanoTime() - begin);
            LOG.info("Taskstream dev is up in {} ms", elapsed.toMillis());
            return new DevStack(servers, endpoints, List.copyOf(started), settings.adminKey(), port, elapsed);
        } catch (Exception e) {
            started.reversed().forEach(ConfigurableApplicationContext::close);
            servers.close();
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
        }
    }

    private static Map<String, String> commonProperties(Infrastructure endpoints, DevSettings settings) {
        Map<String, String> common = new LinkedHashMap<>(endpoints.springProperties());
        common.put("taskstream.topics.partitions", String.valueOf(settings.partitions()));
        common.put("taskstream.topics.replication-factor", "1");
        common.put("spring.jmx.enabled", "false");
        common.put("spring.main.banner-mode", "off");
        common.put("spring.main.register-shutdown-hook", "false");
        common.put("logging.level.org.apache.kafka", "WARN");
        common.put("logging.level.kafka", "WARN");
        common.put("logging.level.org.apache.kafka.streams", "WARN");
        return common;
    }

    /**
     * Starts one service on its own thread. Properties go in as command-line arguments: they must
     * outrank the service's own configuration file (default properties would not).
     */
    private static CompletableFuture<ConfigurableApplicationContext> startAsync(
            String name, SpringApplicationBuilder application, WebApplicationType web, Map<String, String> properties) {
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        return CompletableFuture.supplyAsync(() -> application.web(web).registerShutdownHook(false).run(args),
                runnable -> Thread.ofPlatform().name("devstack-start-" + name).start(runnable));
    }

    private static RuntimeException unwrap(CompletionException e) {
        return e.getCause() instanceof RuntimeException runtime ? runtime : e;
    }

    /** The API's base URL, without {@code /api/v1}. */
    public String apiUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public String adminKey() {
        return adminKey;
    }

    public Infrastructure endpoints() {
        return endpoints;
    }

    public Duration startupTime() {
        return startupTime;
    }

    /** What {@code .taskstream/dev.json} holds, for tools and scripts. */
    public Map<String, String> describe() {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("apiUrl", apiUrl());
        info.put("kafkaBootstrap", endpoints.kafkaBootstrap());
        info.put("jdbcUrl", endpoints.jdbcUrl());
        info.put("redisUrl", endpoints.redisUrl());
        info.put("adminKey", adminKey);
        return info;
    }

    /** Stops the services (API first, so nothing new comes in), then the servers. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (ConfigurableApplicationContext context : contexts) {
            try {
                context.close();
            } catch (RuntimeException e) {
                LOG.warn("Stopping {} failed: {}", context.getId(), e.toString());
            }
        }
        servers.close();
    }
}
