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
 *
 * <p>Every service serves its actuator ({@code /actuator/health/**}, {@code /actuator/prometheus}) on
 * loopback: the API on its configured port, the scheduler and the worker each on a free port
 * ({@link #schedulerUrl()}, {@link #workerUrl()}), so a local Prometheus or a test scrapes all three.
 */
public final class DevStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DevStack.class);

    private final EmbeddedInfrastructure servers;
    private final Infrastructure endpoints;
    private final List<ConfigurableApplicationContext> contexts;
    private final String adminKey;
    private final String apiUrl;
    private final String schedulerUrl;
    private final Optional<String> workerUrl;
    private final Duration startupTime;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DevStack(EmbeddedInfrastructure servers, Infrastructure endpoints,
                     List<ConfigurableApplicationContext> contexts, String adminKey, Duration startupTime) {
        this.servers = servers;
        this.endpoints = endpoints;
        this.contexts = contexts;
        this.adminKey = adminKey;
        // contexts come in start order: the API, the scheduler, then the worker if there is one
        this.apiUrl = baseUrl(contexts.get(0));
        this.schedulerUrl = baseUrl(contexts.get(1));
        this.workerUrl = contexts.size() > 2 ? Optional.of(baseUrl(contexts.get(2))) : Optional.empty();
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
            scheduler.putAll(actuatorOnAFreePort());
            scheduler.put("taskstream.scheduler.state-dir", stateDir.toString());
            // one scheduler instance: a standby replica has nowhere to live
            scheduler.put("taskstream.scheduler.standby-replicas", "0");

            Map<String, String> worker = new LinkedHashMap<>(common);
            worker.putAll(actuatorOnAFreePort());
            worker.put("taskstream.worker.sample-handlers", "true");
            keysFile.ifPresent(file -> worker.put("taskstream.encryption.keys-file", file.toString()));

            List<CompletableFuture<ConfigurableApplicationContext>> starting = new ArrayList<>(List.of(
                    startAsync("ingest-api", IngestApiApplication.application(), WebApplicationType.SERVLET, ingest),
                    startAsync("scheduler", SchedulerApplication.application(), WebApplicationType.SERVLET, scheduler)));
            if (settings.worker()) {
                starting.add(startAsync("worker", WorkerApplication.application(), WebApplicationType.SERVLET, worker));
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
            Duration elapsed = Duration.ofNanos(System.nanoTime() - begin);
            DevStack stack = new DevStack(servers, endpoints, List.copyOf(started), settings.adminKey(), elapsed);
            LOG.info("Taskstream dev is up in {} ms: API {}, scheduler {}, worker {}", elapsed.toMillis(),
                    stack.apiUrl(), stack.schedulerUrl(), stack.workerUrl().orElse("(none in this process)"));
            return stack;
        } catch (Exception e) {
            started.reversed().forEach(ConfigurableApplicationContext::close);
            servers.close();
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
        }
    }

    /**
     * The scheduler's and the worker's HTTP server (actuator only): loopback, any free port, so
     * several dev stacks and the API's fixed port never collide.
     */
    private static Map<String, String> actuatorOnAFreePort() {
        return Map.of("server.address", "127.0.0.1", "server.port", "0");
    }

    private static String baseUrl(ConfigurableApplicationContext context) {
        return "http://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort();
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
        return apiUrl;
    }

    /** The scheduler's base URL (its actuator: {@code /actuator/health}, {@code /actuator/prometheus}). */
    public String schedulerUrl() {
        return schedulerUrl;
    }

    /** The worker's base URL (its actuator); empty when this process runs no worker. */
    public Optional<String> workerUrl() {
        return workerUrl;
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
        info.put("schedulerUrl", schedulerUrl());
        workerUrl.ifPresent(url -> info.put("workerUrl", url));
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
