package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Servers nobody closed are stopped, after Spring's hooks, when the JVM exits normally. */
class JvmExitIT {

    @TempDir
    Path tmp;

    @Test
    void aJvmThatExitsWithoutClosingLeavesNothingBehind() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path output = tmp.resolve("child.out");
        Path childTmp = Files.createDirectories(tmp.resolve("child-tmp"));
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + childTmp, "-cp", System.getProperty("java.class.path"),
                ExitWithoutClose.class.getName())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        try {
            boolean exited = child.waitFor(120, TimeUnit.SECONDS);
            assertThat(exited).as("child exited; output:%n%s", Files.readString(output)).isTrue();
        } finally {
            if (child.isAlive()) {
                // a hung child: kill it and, with the registry, whatever servers it left behind
                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                new ProcessRegistry(childTmp.resolve("taskstream-embedded")).reapOrphans();
            }
        }
        String log = Files.readString(output, StandardCharsets.UTF_8);
        LoggerFactory.getLogger(JvmExitIT.class).info("child output:\n{}", log);
        assertThat(child.exitValue()).as(log).isZero();
        List<String> ready = log.lines().filter(line -> line.startsWith("READY ")).toList();
        assertThat(ready).as(log).hasSize(1);
        String[] ports = ready.getFirst().split(" ");

        // our hooks waited for the Spring stand-in, which still saw every server up
        assertThat(log).contains("SPRING-HOOK servers up: true");
        assertThat(log).doesNotContain("halt(").doesNotContain("offline");
        for (int i = 1; i <= 3; i++) {
            assertThat(FreePorts.accepts("127.0.0.1", Integer.parseInt(ports[i]))).as("port %s", ports[i]).isFalse();
        }
        // Kafka's log dir, the PostgreSQL and Redis temp dirs and the pid records are all gone
        assertThat(Dirs.entries(childTmp)).extracting(p -> p.getFileName().toString())
                .noneMatch(name -> name.startsWith("kafka-") || name.startsWith("taskstream-pg-")
                        || name.startsWith("taskstream-redis-"));
        assertThat(Dirs.entries(childTmp.resolve("taskstream-embedded/pids"))).isEmpty();
    }
}
