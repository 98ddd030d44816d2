package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessRegistryTest {

    @TempDir
    Path runDir;

    @Test
    void runDirComesFromThePropertyThenTheEnvironmentThenTmp() {
        assertThat(ProcessRegistry.defaultRunDir(
                Map.of("taskstream.embedded.run-dir", "/a", "java.io.tmpdir", "/tmp")::get,
                Map.of("TASKSTREAM_EMBEDDED_RUN_DIR", "/b")::get)).isEqualTo(Paths.get("/a"));
        assertThat(ProcessRegistry.defaultRunDir(Map.of("java.io.tmpdir", "/tmp")::get,
                Map.of("TASKSTREAM_EMBEDDED_RUN_DIR", "/b")::get)).isEqualTo(Paths.get("/b"));
        assertThat(ProcessRegistry.defaultRunDir(Map.of("java.io.tmpdir", "/t", "taskstream.embedded.run-dir", " ")::get,
                Map.<String, String>of()::get)).isEqualTo(Paths.get("/t/taskstream-embedded"));
        assertThat(ProcessRegistry.defaultRegistry()).isSameAs(ProcessRegistry.defaultRegistry());
    }

    @Test
    void recordsOwnerPidMarkerAndCleanupDirectory() throws Exception {
        ProcessRegistry registry = new ProcessRegistry(runDir);
        assertThat(registry.runDir()).isEqualTo(runDir.toAbsolutePath());
        ProcessRegistry.Registration registration = registry.register("redis", 0, "4242", runDir.resolve("data"));
        registration.updatePid(1234);

        Properties record = new Properties();
        try (var reader = Files.newBufferedReader(registration.file())) {
            record.load(reader);
        }
        assertThat(record).containsEntry("name", "redis").containsEntry("pid", "1234").containsEntry("marker", "4242")
                .containsEntry("owner", Long.toString(ProcessHandle.current().pid()))
                .containsEntry("cleanup", runDir.resolve("data").toAbsolutePath().toString())
                .containsKey("ownerStart");
        // a live owner's record survives a reap
        assertThat(registry.reapOrphans()).isZero();
        assertThat(registration.file()).exists();

        registration.close();
        assertThat(registration.file()).doesNotExist();
    }

    @Test
    void aRecycledOwnerPidDoesNotCountAsAlive() throws Exception {
        Path pids = Files.createDirectories(runDir.resolve("pids"));
        Path scratch = Files.createDirectories(runDir.resolve("scratch"));
        // this JVM's pid, but a different start instant: the owner that wrote it is gone
        Files.writeString(pids.resolve("old.pid"), "name=redis\npid=0\nmarker=no-such-process-marker-" + System.nanoTime()
                + "\nowner=" + ProcessHandle.current().pid() + "\nownerStart=2000-01-01T00\\:00\\:00Z\ncleanup="
                + scratch.toString().replace("\\", "\\\\") + "\n");
        assertThat(new ProcessRegistry(runDir).reapOrphans()).isZero();
        assertThat(pids.resolve("old.pid")).doesNotExist();
        assertThat(scratch).doesNotExist();
    }

    @Test
    void aMarkerIsRequired() {
        ProcessRegistry registry = new ProcessRegistry(runDir);
        assertThatThrownBy(() -> registry.register("x", 1, " ", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registry.register("x", 1, null, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deletingAMissingDirectoryIsANoOp() {
        ProcessRegistry.deleteRecursively(runDir.resolve("missing"));
        assertThat(runDir).exists();
    }
}
