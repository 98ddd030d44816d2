package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessRegistryIT {

    @TempDir
    Path runDir;

    private Process child;

    @AfterEach
    void killLeftovers() throws Exception {
        if (child != null && child.isAlive()) {
            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        // whatever a failed test left behind
        new ProcessRegistry(runDir).reapOrphans();
    }

    /** The real scenario: a JVM running servers is kill -9'd; the next start reaps its servers. */
    @Test
    void reapsTheServersOfAKilledJvm() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                OrphanMaker.class.getName(), runDir.toString())
                .redirectError(runDir.resolve("child.err").toFile())
                .start();
        String ready;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            // bounded by the servers' own start-up timeouts
            ready = readReadyLine(out);
            assertThat(ready).as("child stderr: %s", Files.readString(runDir.resolve("child.err"))).startsWith("READY ");
            String[] parts = ready.split(" ");
            int redisPort = Integer.parseInt(parts[1]);
            long redisPid = Long.parseLong(parts[2]);
            int pgPort = Integer.parseInt(parts[3]);
            long pgPid = Long.parseLong(parts[4]);

            child.destroyForcibly(); // SIGKILL: no shutdown hooks run
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

            // the orphans live on: this is the leak the registry exists for
            assertThat(FreePorts.accepts("127.0.0.1", redisPort)).isTrue();
            assertThat(FreePorts.accepts("127.0.0.1", pgPort)).isTrue();
            assertThat(alive(redisPid)).isTrue();
            assertThat(alive(pgPid)).isTrue();
            assertThat(Dirs.entries(runDir.resolve("pids"))).hasSize(2);

            int killed = new ProcessRegistry(runDir).reapOrphans();

            assertThat(killed).isEqualTo(2);
            await().atMost(Duration.ofSeconds(15)).until(() -> !alive(redisPid) && !alive(pgPid));
            assertThat(FreePorts.accepts("127.0.0.1", redisPort)).isFalse();
            assertThat(FreePorts.accepts("127.0.0.1", pgPort)).isFalse();
            assertThat(Dirs.entries(runDir.resolve("pids"))).isEmpty();
            // nothing more to do the second time
            assertThat(new ProcessRegistry(runDir).reapOrphans()).isZero();
        }
    }

    private static String readReadyLine(BufferedReader out) throws Exception {
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("READY ")) {
                return line;
            }
        }
        return "child exited before it was ready";
    }

    @Test
    void leavesTheProcessesOfALiveOwnerAlone() throws Exception {
        ProcessRegistry registry = new ProcessRegistry(runDir, Set.of("sleep"));
        Process sleeper = new ProcessBuilder("sleep", "300").start();
        try {
            registry.register("sleeper", sleeper.pid(), "300", null); // owner: this JVM, alive
            assertThat(registry.reapOrphans()).isZero();
            assertThat(sleeper.isAlive()).isTrue();
            assertThat(Dirs.entries(runDir.resolve("pids"))).hasSize(1);
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void killsAMatchingOrphanAndDeletesItsDirectory() throws Exception {
        ProcessRegistry registry = new ProcessRegistry(runDir, Set.of("sleep"));
        Process sleeper = new ProcessBuilder("sleep", "301").start();
        Path scratch = Files.createDirectories(runDir.resolve("scratch/sub"));
        Files.writeString(scratch.resolve("file"), "x");
        try {
            registry.register("sleeper", sleeper.pid(), "301", runDir.resolve("scratch"), deadProcess());
            assertThat(registry.reapOrphans()).isEqualTo(1);
            assertThat(sleeper.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(runDir.resolve("scratch")).doesNotExist();
            assertThat(Dirs.entries(runDir.resolve("pids"))).isEmpty();
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void findsAnOrphanByMarkerWhenItsPidWasNeverRecorded() throws Exception {
        ProcessRegistry registry = new ProcessRegistry(runDir, Set.of("sleep"));
        String marker = "302." + ProcessHandle.current().pid(); // unique on this machine
        Process sleeper = new ProcessBuilder("sleep", marker).start();
        try {
            registry.register("sleeper", 0, marker, null, deadProcess());
            assertThat(registry.reapOrphans()).isEqualTo(1);
            assertThat(sleeper.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void neverKillsAProgramItDoesNotKnowOrWithoutTheMarker() throws Exception {
        ProcessRegistry registry = new ProcessRegistry(runDir); // postgres and redis-server only
        Process sleeper = new ProcessBuilder("sleep", "303").start();
        try {
            registry.register("not-a-server", sleeper.pid(), "303", null, deadProcess());
            assertThat(registry.reapOrphans()).isZero();
            assertThat(sleeper.isAlive()).isTrue();

            ProcessRegistry sleepers = new ProcessRegistry(runDir, Set.of("sleep"));
            sleepers.register("wrong-marker", sleeper.pid(), "999", null, deadProcess());
            assertThat(sleepers.reapOrphans()).isZero();
            assertThat(sleeper.isAlive()).isTrue();
            // the stale records are gone all the same
            assertThat(Dirs.entries(runDir.resolve("pids"))).isEmpty();
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void recognisesDebianRedisWhoseExecutableIsRedisCheckRdb() throws Exception {
        // /usr/bin/redis-server -> redis-check-rdb on Debian; redis rewrites argv to "redis-server 127.0.0.1:<port>"
        try (EmbeddedRedis redis = EmbeddedRedis.start(new ProcessRegistry(runDir))) {
            ProcessHandle handle = ProcessHandle.of(redis.pid()).orElseThrow();
            ProcessRegistry registry = new ProcessRegistry(runDir);
            assertThat(registry.matches(handle, Integer.toString(redis.port()))).isTrue();
            assertThat(registry.matches(handle, "no-such-marker")).isFalse();
            assertThat(ProcessRegistry.commandLine(handle)).contains(Integer.toString(redis.port()));
        }
    }

    @Test
    void ignoresRecordsItCannotUse() throws Exception {
        Path pids = Files.createDirectories(runDir.resolve("pids"));
        Files.writeString(pids.resolve("garbage.pid"), "pid=abc\nowner=\n");
        Files.writeString(pids.resolve("other.txt"), "not a record");
        assertThat(new ProcessRegistry(runDir).reapOrphans()).isZero();
        assertThat(Dirs.entries(pids)).extracting(p -> p.getFileName().toString()).containsExactly("other.txt");
        assertThat(new ProcessRegistry(runDir.resolve("missing")).reapOrphans()).isZero();
    }

    /** A handle of a process that has exited. */
    private static ProcessHandle deadProcess() throws Exception {
        Process process = new ProcessBuilder("true").start();
        ProcessHandle handle = process.toHandle();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return handle;
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

}
