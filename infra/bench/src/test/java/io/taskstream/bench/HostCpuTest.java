package io.taskstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostCpuTest {

    @TempDir
    Path dir;

    @Test
    void readsTheMachineLineOfProcStat() throws IOException {
        Path stat = Files.writeString(dir.resolve("stat"), """
                cpu  1000 10 200 5000 40 0 50 7 0 0
                cpu0 500 5 100 2500 20 0 25 3 0 0
                intr 12345
                """);

        assertThat(HostCpu.read(stat)).contains(new HostCpu(1260, 5040, 7));
    }

    @Test
    void givesCoresBusyAndTheShareStolenBetweenTwoReadings() {
        HostCpu before = HostCpu.parse("cpu  1000 0 0 1000 0 0 0 0 0 0");
        // 100 ticks later on 2 cores: 50 busy (user + system + softirq), 45 idle, 5 stolen
        HostCpu after = HostCpu.parse("cpu  1030 0 15 1040 5 0 5 5 0 0");

        assertThat(after.since(before, 2)).isEqualTo("1.00 of 2 cores busy, 5.0 % stolen by the hypervisor");
        assertThat(before.since(before, 2)).isEqualTo("no CPU time elapsed");
    }

    @Test
    void withoutProcStatThereAreNoFiguresAndTheModelIsUnknown() throws IOException {
        assertThat(HostCpu.read(dir.resolve("missing"))).isEmpty();
        assertThat(HostCpu.read(Files.writeString(dir.resolve("odd"), "intr 1\n"))).isEmpty();
        assertThat(HostCpu.model(dir.resolve("missing"))).isEqualTo("unknown processor");
        assertThat(HostCpu.model(Files.writeString(dir.resolve("cpuinfo"), "processor : 0\nmodel name\t: Test CPU @ 2GHz\n")))
                .isEqualTo("Test CPU @ 2GHz");
        assertThatThrownBy(() -> HostCpu.parse("cpu0 1 2")).hasMessageContaining("not the cpu line");
    }
}
