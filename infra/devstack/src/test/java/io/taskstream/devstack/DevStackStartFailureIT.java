package io.taskstream.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./taskstream dev} refuses bad settings and failed starts with one sentence, leaving nothing running. */
class DevStackStartFailureIT {

    @TempDir
    Path workDir;

    @Test
    void aBadSettingIsOneSentenceAndNothingStarts() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Optional<DevStack> stack = DevStackMain.start(Map.of("TASKSTREAM_HTTP_PORT", "eighty")::get, workDir,
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(stack).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("taskstream dev: TASKSTREAM_HTTP_PORT must be a port");
        assertThat(Files.exists(workDir.resolve("dev.json"))).isFalse();
    }

    @Test
    void aTakenPortFailsTheStartAndStopsEverythingThatStarted() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Optional<DevStack> stack = DevStackMain.start(
                    Map.of("TASKSTREAM_HTTP_PORT", String.valueOf(taken.getLocalPort()))::get, workDir,
                    new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(stack).isEmpty();
            assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("taskstream dev: could not start:");
            assertThat(Files.exists(workDir.resolve("dev.json"))).isFalse();
            // the embedded servers were stopped again: no record of a live server process remains
            try (var records = Files.list(workDir.resolve("run").resolve("pids"))) {
                assertThat(records).isEmpty();
            }
        }
    }
}
