package io.taskstream.embedded;

import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Run in a child JVM by {@link JvmExitIT}: takes the shared infrastructure as a Spring test
 * would, registers a stand-in for Spring's context-closing shutdown hook that checks the servers
 * are still up while it runs, and exits without closing anything. Not a test.
 */
public final class ExitWithoutClose {

    private ExitWithoutClose() {
    }

    public static void main(String[] args) throws Exception {
        SharedInfrastructure.starter(() -> EmbeddedInfrastructure.start(LocalServers.NONE));
        Infrastructure infra = SharedInfrastructure.forClass(ExitWithoutClose.class);
        int redisPort = URI.create(infra.redisUrl()).getPort();
        int pgPort = EmbeddedInfrastructureIT.port(infra.jdbcUrl());
        String kafka = infra.kafkaBootstrap();
        int kafkaPort = Integer.parseInt(kafka.substring(kafka.lastIndexOf(':') + 1));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // like Spring closing its contexts: takes a while (1.5 s here), and needs the servers meanwhile
            boolean up = true;
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            while (System.nanoTime() < end) {
                up &= FreePorts.accepts("127.0.0.1", redisPort) && FreePorts.accepts("127.0.0.1", pgPort)
                        && FreePorts.accepts("127.0.0.1", kafkaPort);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            System.out.println("SPRING-HOOK servers up: " + up);
            System.out.flush();
        }, "SpringContextShutdownHook"));
        System.out.println("READY " + redisPort + " " + pgPort + " " + kafkaPort);
        System.out.flush();
        // the broker's threads are not daemons: end the JVM as Surefire's booter or the launcher does
        System.exit(0);
    }
}
