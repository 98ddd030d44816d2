package io.taskstream.bench.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.taskstream.bench.report.BenchReport.ProcessSample;
import io.taskstream.bench.report.BenchReport.ProcessSeries;

class ProcessSamplerTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long SELF = ProcessHandle.current().pid();

    @TempDir
    Path proc;

    private final AtomicLong clock = new AtomicLong(100 * SECOND);
    private final Map<Long, List<Long>> fakeChildren = new HashMap<>();
    private final List<Process> children = new ArrayList<>();
    private final List<ProcessSampler> samplers = new ArrayList<>();

    @AfterEach
    void stopEverything() throws InterruptedException {
        samplers.forEach(ProcessSampler::close);
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    // --- parsing ---------------------------------------------------------------------------------------

    @Test
    void parsesStatAfterTheLastParenthesisWhateverTheCommHolds() {
        ProcStat s = ProcStat.parse(stat(4711, "my (odd) ) proc", 3, 250, 40, 9_000, 512));

        assertThat(s).isEqualTo(new ProcStat(4711, "my (odd) ) proc", 3, 250, 40, 9_000, 512));
        assertThat(s.cpuTicks()).isEqualTo(290);
    }

    @Test
    void parsesTheRealStatOfThisProcess() throws IOException {
        ProcStat s = ProcStat.parse(Files.readString(Path.of("/proc/self/stat")));

        assertThat(s.pid()).isEqualTo(SELF);
        assertThat(s.comm()).isEqualTo("java");
        assertThat(s.ppid()).isEqualTo(ProcessHandle.current().parent().orElseThrow().pid());
        assertThat(s.cpuTicks()).isPositive();
        assertThat(s.startTime()).isPositive();
        assertThat(s.rssPages()).isPositive();
    }

    @Test
    void rejectsWhatIsNotAStatLine() {
        assertThatThrownBy(() -> ProcStat.parse("cpu  1 2 3")).hasMessageContaining("not a /proc/<pid>/stat line");
        assertThatThrownBy(() -> ProcStat.parse("12 (x) S 1 2 3")).hasMessageContaining("too few fields");
    }

    // --- fake /proc ------------------------------------------------------------------------------------

    @Test
    void cpuIsTicksBetweenTwoSnapshotsPerSecondAndRssComesFromVmRss() throws IOException {
        ProcessSampler sampler = fakeSampler();
        writeProc(42, "worker", 100, 50, 1_000, 2048);
        sampler.track("worker", 42, false);

        sampler.sampleNow();
        // the first look is the baseline CPU needs: no sample yet
        assertThat(sampler.series()).isEmpty();

        clock.addAndGet(2 * SECOND);
        writeProc(42, "worker", 250, 100, 1_000, 3072); // 200 ticks in 2 s = 1 core
        sampler.sampleNow();

        assertThat(sampler.series()).containsExactly(
                new ProcessSeries("worker", 42, List.of(new ProcessSample(2.0, 1.0, -1, 3.0))));
    }

    @Test
    void rssFallsBackToStatPagesWithoutVmRss() throws IOException {
        ProcessSampler sampler = fakeSampler();
        writeProc(7, "zombie", 0, 0, 1_000, -1);
        Files.writeString(proc.resolve("7/stat"), stat(7, "zombie", 1, 0, 0, 1_000, 256));
        sampler.track("zombie", 7, false);

        sampler.sampleNow();
        clock.addAndGet(SECOND);
        sampler.sampleNow();

        assertThat(only(sampler).samples()).singleElement()
                .satisfies(s -> assertThat(s.rssMb()).isEqualTo(1.0)); // 256 pages of 4 kB
    }

    @Test
    void sameNamedDescendantsAreOneSeriesAndJvmsOrTrackedOnesAreLeftOut() throws IOException {
        ProcessSampler sampler = fakeSampler();
        writeUptime(50.0);
        writeProc(10, "postgres", 100, 0, 1_000, 10_240);         // postmaster
        writeProc(11, "postgres", 50, 50, 2_000, 4_096);           // a backend
        writeExe(10, "/opt/fake/pg/bin/postgres");
        writeExe(11, "/opt/fake/pg/bin/postgres (deleted)");
        writeProc(12, "redis-server", 10, 0, 1_100, 1_024);
        writeExe(12, "/opt/fake/bin/redis-check-rdb");             // Debian's redis-server is a link to it
        writeProc(13, "java", 500, 0, 1_200, 100_000);            // a JVM: tracked by name, not this way
        writeExe(13, "/opt/fake/jdk/bin/java");
        writeProc(17, "main", 500, 0, 1_200, 100_000);            // a JVM whose main thread renamed itself
        writeExe(17, "/opt/fake/jdk/bin/java");
        writeProc(14, "sh", 1, 0, 1_300, 512);                     // already tracked explicitly
        writeExe(14, "/opt/fake/bin/sh");
        writeProc(18, "supervisor-agen", 0, 0, 1_300, 512);        // comm is cut at 15 characters
        writeExe(18, "/opt/fake/bin/supervisor-agent (deleted)");
        writeProc(19, "helper-for-test", 0, 0, 1_300, 512);        // cut too, but exe cannot be read
        fakeChildren.put(1L, List.of(10L, 11L, 12L, 13L, 14L, 17L, 18L, 19L));
        sampler.track("shell", 14, false);
        sampler.trackDescendants("devstack/", 1);

        sampler.sampleNow();
        clock.addAndGet(SECOND);
        writeUptime(51.0);
        writeProc(10, "postgres", 130, 10, 1_000, 10_240);        // +40
        writeProc(11, "postgres", 60, 60, 2_000, 4_096);           // +20
        // a backend forked since the last sample (started at 50.5 s): every tick it has is new
        writeProc(15, "postgres", 30, 10, 5_050, 2_048);           // +40
        writeExe(15, "/tmp/embedded-pg/bin/postgres");
        // one that was there before this series began is only a baseline
        writeProc(16, "postgres", 900, 0, 4_000, 1_024);
        writeExe(16, "/tmp/embedded-pg/bin/postgres");
        writeProc(12, "redis-server", 15, 0, 1_100, 1_024);       // +5
        fakeChildren.put(1L, List.of(10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L));
        sampler.sampleNow();

        assertThat(sampler.series()).extracting(ProcessSeries::name).containsExactly("shell", "devstack/postgres",
                "devstack/redis-server", "devstack/supervisor-agent", "devstack/helper-for-test");
        ProcessSeries postgres = named(sampler, "devstack/postgres");
        assertThat(postgres.pid()).isEqualTo(10);
        assertThat(postgres.samples()).singleElement().satisfies(s -> {
            assertThat(s.cpuCores()).isCloseTo(1.0, within(1e-9));
            assertThat(s.rssMb()).isEqualTo((10_240 + 4_096 + 2_048 + 1_024) / 1024.0);
            assertThat(s.heapMb()).isEqualTo(-1);
        });
        assertThat(named(sampler, "devstack/redis-server").samples().get(0).cpuCores()).isCloseTo(0.05, within(1e-9));

        // a backend ends: the series goes on with the others, no error
        deleteProc(11);
        clock.addAndGet(SECOND);
        writeUptime(52.0);
        writeProc(10, "postgres", 230, 10, 1_000, 10_240);        // +100
        fakeChildren.put(1L, List.of(10L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L));
        sampler.sampleNow();

        assertThat(named(sampler, "devstack/postgres").samples()).hasSize(2).last()
                .satisfies(s -> assertThat(s.cpuCores()).isCloseTo(1.0, within(1e-9)));
    }

    @Test
    void aRecycledPidIsNotTheProcessThatWasTracked() throws IOException {
        ProcessSampler sampler = fakeSampler();
        writeProc(30, "worker", 10, 0, 1_000, 1_024);
        sampler.track("worker", 30, false);
        sampler.sampleNow();
        clock.addAndGet(SECOND);
        sampler.sampleNow();

        writeProc(30, "other", 1, 0, 9_999, 1_024); // same pid, later start: someone else
        clock.addAndGet(SECOND);
        sampler.sampleNow();
        writeProc(30, "worker", 20, 0, 1_000, 1_024);
        clock.addAndGet(SECOND);
        sampler.sampleNow();

        assertThat(only(sampler).samples()).hasSize(1);
    }

    @Test
    void aNameTrackedTwiceIsOneSeriesAndAPidTrackedTwiceCountsOnce() throws IOException {
        ProcessSampler sampler = fakeSampler();
        writeProc(20, "worker", 0, 0, 1_000, 1_024);
        writeProc(21, "worker", 0, 0, 1_000, 1_024);
        sampler.track("workers", 20, false);
        sampler.track("workers", 21, false);
        sampler.track("again", 21, false);
        sampler.sampleNow();
        writeProc(20, "worker", 50, 0, 1_000, 1_024);
        writeProc(21, "worker", 50, 0, 1_000, 1_024);
        clock.addAndGet(SECOND);
        sampler.sampleNow();

        assertThat(only(sampler)).satisfies(s -> {
            assertThat(s.name()).isEqualTo("workers");
            assertThat(s.pid()).isEqualTo(20);
            assertThat(s.samples().get(0).cpuCores()).isEqualTo(1.0);
            assertThat(s.samples().get(0).rssMb()).isEqualTo(2.0);
        });
    }

    @Test
    void withoutProcThereAreNoSamplesAndNoErrors() {
        ProcessSampler sampler = fakeSampler();
        sampler.track("ghost", 99, true);
        sampler.trackDescendants("", 98);

        sampler.sampleNow();
        clock.addAndGet(SECOND);
        sampler.sampleNow();

        assertThat(sampler.series()).isEmpty();
    }

    @Test
    void sameInstantTwiceGivesNoCpuRatherThanInfinity() throws IOException {
        ProcessSampler sampler = fakeSampler();
        writeProc(5, "x", 0, 0, 1_000, 1_024);
        sampler.track("x", 5, false);
        sampler.sampleNow();
        writeProc(5, "x", 10, 0, 1_000, 1_024);
        sampler.sampleNow();

        assertThat(only(sampler).samples().get(0).cpuCores()).isZero();
    }

    // --- real processes --------------------------------------------------------------------------------

    @Test
    void thisJvmIsSampledForRealWithItsOwnHeap() {
        ProcessSampler sampler = realSampler();
        sampler.track("bench", SELF, true);

        sampler.sampleNow();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            busy();
            sampler.sampleNow();
            assertThat(only(sampler).samples()).last().satisfies(s -> assertThat(s.cpuCores()).isPositive());
        });

        assertThat(only(sampler).pid()).isEqualTo(SELF);
        assertThat(only(sampler).samples()).allSatisfy(s -> {
            assertThat(s.cpuCores()).isGreaterThanOrEqualTo(0);
            assertThat(s.rssMb()).isPositive();
            assertThat(s.heapMb()).isPositive();
            assertThat(s.t()).isPositive();
        });
        assertThat(sampler.heapAfterGcMb(SELF)).isPositive();
    }

    @Test
    void aChildJvmIsAttachedInTheBackgroundAndStopsBeingSampledWhenItExits() throws Exception {
        Process child = startChildJvm();
        ProcessSampler sampler = realSampler();
        sampler.track("child", child.pid(), true);

        sampler.start(Duration.ofMillis(100));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(sampler.series())
                .singleElement().satisfies(s -> assertThat(s.samples()).anySatisfy(sample -> {
                    assertThat(sample.cpuCores()).isPositive();
                    assertThat(sample.heapMb()).isPositive();
                    assertThat(sample.rssMb()).isPositive();
                })));
        assertThat(sampler.heapAfterGcMb(child.pid())).isPositive();
        assertThat(sampler.attachAttempts()).isEqualTo(1); // one connection, kept
        sampler.close();

        // sampled by hand this time, so that the exit is met by a sample and not by the background thread
        ProcessSampler byHand = realSampler();
        byHand.track("child", child.pid(), true);
        byHand.sampleNow();
        byHand.sampleNow();
        assertThat(only(byHand).samples()).singleElement().satisfies(s -> assertThat(s.heapMb()).isPositive());

        child.getOutputStream().close(); // BusyChild's cue to exit
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        byHand.sampleNow();
        byHand.sampleNow();

        assertThat(only(byHand).samples()).hasSize(1);
        assertThat(byHand.heapAfterGcMb(child.pid())).isEqualTo(-1);
    }

    @Test
    void processesAreFoundByTheirCommandWhoeverStartedThem() throws Exception {
        Process first = start(new ProcessBuilder("sleep", "31"));
        Process second = start(new ProcessBuilder("sleep", "32"));
        ProcessSampler sampler = realSampler();
        sampler.trackCommand("sleepers", "sleep");

        sampler.sampleNow();
        sampler.sampleNow();

        assertThat(sampler.series()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("sleepers");
            assertThat(s.samples()).singleElement().satisfies(sample -> assertThat(sample.rssMb())
                    .as("two sleeps' resident memory, summed").isPositive());
        });
        assertThat(first.isAlive() && second.isAlive()).isTrue();
    }

    @Test
    void aNonJvmChildIsFoundAsADescendantByItsCommandWhileJvmChildrenAreNot() throws Exception {
        Process sleep = start(new ProcessBuilder("sleep", "30"));
        Process jvm = startChildJvm();
        ProcessSampler sampler = realSampler();
        sampler.trackDescendants("", SELF);

        sampler.sampleNow();
        sampler.sampleNow();

        assertThat(sampler.series()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("sleep");
            assertThat(s.pid()).isEqualTo(sleep.pid());
            assertThat(s.samples()).singleElement().satisfies(sample -> {
                assertThat(sample.heapMb()).isEqualTo(-1);
                assertThat(sample.rssMb()).isPositive();
                assertThat(sample.cpuCores()).isGreaterThanOrEqualTo(0);
            });
        });
        assertThat(jvm.isAlive()).isTrue();
    }

    @Test
    void aProcessThatCannotBeAttachedHasNoHeapAndIsRetriedOnlyEveryTenSeconds() throws Exception {
        Process sleep = start(new ProcessBuilder("sleep", "30"));
        ProcessSampler sampler = new ProcessSampler(Path.of("/proc"), clock::get, clock.get());
        samplers.add(sampler);
        sampler.track("not-a-jvm", sleep.pid(), true);

        sampler.sampleNow();
        clock.addAndGet(SECOND);
        sampler.sampleNow();
        clock.addAndGet(SECOND);
        sampler.sampleNow();

        assertThat(sampler.attachAttempts()).isEqualTo(1);
        assertThat(only(sampler).samples()).hasSize(2).allSatisfy(s -> assertThat(s.heapMb()).isEqualTo(-1));

        clock.addAndGet(10 * SECOND);
        sampler.sampleNow();
        assertThat(sampler.attachAttempts()).isEqualTo(2);

        // asked explicitly, it tries at once
        assertThat(sampler.heapAfterGcMb(sleep.pid())).isEqualTo(-1);
        assertThat(sampler.attachAttempts()).isEqualTo(3);
        assertThat(sleep.isAlive()).isTrue();
    }

    @Test
    void aJmxConnectionThatBreaksIsDroppedAndAttachedAgainNoSoonerThanTenSecondsLater() throws Exception {
        Process child = startChildJvm();
        try (JvmHeap heap = new JvmHeap(Path.of("/proc"), clock::get)) {
            assertThat(heap.heapMb(child.pid())).isPositive();
            assertThat(heap.heapMb(child.pid())).isPositive();
            assertThat(heap.attachAttempts()).isEqualTo(1);

            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

            assertThat(heap.heapAfterGcMb(child.pid())).isEqualTo(-1); // the kept connection fails
            assertThat(heap.heapMb(child.pid())).isEqualTo(-1);        // and is not attached again yet
            assertThat(heap.attachAttempts()).isEqualTo(1);
            clock.addAndGet(11 * SECOND);
            assertThat(heap.heapMb(child.pid())).isEqualTo(-1);
            assertThat(heap.attachAttempts()).isEqualTo(2);
        }
    }

    @Test
    void startsOnceAndNotAfterClose() {
        ProcessSampler sampler = realSampler();
        sampler.start(Duration.ofSeconds(1));
        assertThatThrownBy(() -> sampler.start(Duration.ofSeconds(1))).hasMessage("already started");
        sampler.close();
        sampler.close();
        assertThatThrownBy(() -> sampler.start(Duration.ofSeconds(1))).hasMessage("closed");

        ProcessSampler unstarted = new ProcessSampler();
        unstarted.close();
        assertThat(unstarted.series()).isEmpty();
    }

    // --- helpers ---------------------------------------------------------------------------------------

    private ProcessSampler fakeSampler() {
        ProcessSampler sampler = new ProcessSampler(proc, clock::get, clock.get(),
                pid -> fakeChildren.getOrDefault(pid, List.of()));
        samplers.add(sampler);
        return sampler;
    }

    private ProcessSampler realSampler() {
        ProcessSampler sampler = new ProcessSampler(Path.of("/proc"), System::nanoTime, System.nanoTime() - 1);
        samplers.add(sampler);
        return sampler;
    }

    private Process startChildJvm() throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = start(new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), BusyChild.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD));
        // waits for the JVM to be up (and so attachable), with no guess at how long that takes
        var out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ready");
        return p;
    }

    private Process start(ProcessBuilder builder) throws IOException {
        Process p = builder.start();
        children.add(p);
        return p;
    }

    private static ProcessSeries only(ProcessSampler sampler) {
        List<ProcessSeries> series = sampler.series();
        assertThat(series).hasSize(1);
        return series.get(0);
    }

    private static ProcessSeries named(ProcessSampler sampler, String name) {
        Optional<ProcessSeries> s = sampler.series().stream().filter(x -> x.name().equals(name)).findFirst();
        assertThat(s).as("series %s", name).isPresent();
        return s.get();
    }

    private static void busy() {
        long deadline = System.nanoTime() + 50_000_000L;
        long x = 0;
        while (System.nanoTime() < deadline) {
            x += x * 31 + 7;
        }
        assertThat(x).isNotEqualTo(42); // keeps the loop from being optimised away
    }

    /** A full stat line (52 fields) with the ones the sampler reads set. */
    private static String stat(long pid, String comm, long ppid, long utime, long stime, long startTime, long rss) {
        StringBuilder b = new StringBuilder().append(pid).append(" (").append(comm).append(") S ").append(ppid);
        for (int field = 5; field <= 52; field++) {
            long value = switch (field) {
                case 14 -> utime;
                case 15 -> stime;
                case 22 -> startTime;
                case 24 -> rss;
                default -> 0;
            };
            b.append(' ').append(value);
        }
        return b.append('\n').toString();
    }

    /** {@code stat} and, unless {@code vmRssKb} < 0, {@code status}, as the kernel writes them. */
    private void writeProc(long pid, String comm, long utime, long stime, long startTime, long vmRssKb) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Long.toString(pid)));
        Files.writeString(dir.resolve("stat"), stat(pid, comm, 1, utime, stime, startTime, 0));
        if (vmRssKb >= 0) {
            Files.writeString(dir.resolve("status"), "Name:\t" + comm + "\nVmPeak:\t 99999 kB\nVmRSS:\t  "
                    + vmRssKb + " kB\nThreads:\t1\n");
        }
    }

    private void writeExe(long pid, String target) throws IOException {
        Files.createSymbolicLink(proc.resolve(pid + "/exe"), Path.of(target));
    }

    private void writeUptime(double seconds) throws IOException {
        Files.writeString(proc.resolve("uptime"), seconds + " 12.34\n");
    }

    private void deleteProc(long pid) throws IOException {
        Path dir = proc.resolve(Long.toString(pid));
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }
}
