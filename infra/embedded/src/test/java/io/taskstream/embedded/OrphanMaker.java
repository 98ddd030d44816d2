package io.taskstream.embedded;

import java.nio.file.Path;

/**
 * Run in a child JVM by {@link ProcessRegistryIT}: starts PostgreSQL and Redis recorded in the
 * run directory given as the first argument, prints their ports and pids, then blocks until it
 * is killed. Not a test.
 */
public final class OrphanMaker {

    private OrphanMaker() {
    }

    public static void main(String[] args) throws Exception {
        ProcessRegistry registry = new ProcessRegistry(Path.of(args[0]));
        EmbeddedRedis redis = EmbeddedRedis.start(registry);
        EmbeddedPostgres postgres = EmbeddedPostgres.start(registry);
        System.out.println("READY " + redis.port() + " " + redis.pid() + " " + postgres.port() + " " + postgres.pid());
        System.out.flush();
        // wait for SIGKILL (or for the parent to close our stdin)
        while (System.in.read() >= 0) {
            // ignore input
        }
        postgres.close();
        redis.close();
    }
}
