package io.taskstream.bench.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

import io.taskstream.bench.report.BenchReport.ProcessSample;
import io.taskstream.bench.report.BenchReport.ProcessSeries;

/**
 * CPU, resident memory and (for JVMs) heap over time of the processes of a bench run: the generator itself,
 * the devstack JVM and what it starts (PostgreSQL, Redis), the worker JVMs.
 *
 * <p><b>How it samples.</b> Each sample reads, per tracked process, {@code <proc>/<pid>/stat} (user + system
 * CPU ticks; CPU in cores = ticks / {@value #CLK_TCK} / seconds between two samples) and
 * {@code <proc>/<pid>/status} ({@code VmRSS}). JVMs also give their heap used: the own JVM through
 * {@code ManagementFactory}, others through the Attach API, which starts the target's local JMX agent, and
 * a JMX connection kept open per process. {@link #trackDescendants} finds, on every sample, the non-JVM
 * descendants of a process ({@link ProcessHandle#descendants()}) and adds them by their command's name;
 * processes of the same name make <em>one</em> series (CPU, RSS and heap summed), because PostgreSQL forks a
 * backend per connection and a chart line per backend says nothing. A series' pid is its first process's.
 *
 * <p><b>What it costs.</b> Reading two small proc files per process and, for each attached JVM, one local
 * JMX call (~1-2 ms) per sample; a descendant scan walks all of {@code /proc} once per parent. Attaching to a
 * JVM takes ~0.5 s once and holds up that sample (each series is timed on its own, so figures stay right) and
 * leaves a JMX agent (a few threads, a few MB of heap) running in the target for the rest of its life.
 * {@link #heapAfterGcMb} forces a full collection in the target: a stop-the-world pause there.
 *
 * <p><b>Limits.</b> Linux only (without {@code /proc} every process just gets no samples). A series starts
 * with its second observation (CPU needs two). CPU spent by a process between its last sample and its exit
 * is lost; a process that starts <em>and</em> ends between two samples is not seen at all (a new process of
 * an existing series counts from its start, judged by {@code /proc/uptime}). Attaching needs the same user,
 * HotSpot's attach mechanism (not {@code -XX:+DisableAttachMechanism}) and a JVM past its start-up; a failed
 * attach is retried at most every {@link JvmHeap#RETRY_AFTER} and the heap is -1 meanwhile. Clock ticks
 * ({@value #CLK_TCK}/s) and page size (4096 B, only used where {@code VmRSS} is missing) are Linux's usual
 * values, not read from the system.
 *
 * <p>Thread-safe: {@link #track} and {@link #trackDescendants} may be called while it samples (they take
 * effect at the next sample).
 */
public final class ProcessSampler implements AutoCloseable {

    /** USER_HZ: what {@code /proc/<pid>/stat} counts CPU time in, 100 on every usual Linux. */
    static final int CLK_TCK = 100;
    static final long PAGE_SIZE = 4096;
    /** TASK_COMM_LEN - 1: the kernel keeps no more of a command's name in {@code comm}. */
    private static final int COMM_MAX = 15;
    private static final String DELETED = " (deleted)";

    private record Registration(String name, long pid, boolean jvm) {
    }

    private record Root(String namePrefix, long parentPid) {
    }

    private record Command(String name, String comm) {
    }

    private static final class Member {
        final long pid;
        final boolean jvm;
        long startTime = -1;
        long lastTicks = -1;

        Member(long pid, boolean jvm) {
            this.pid = pid;
            this.jvm = jvm;
        }
    }

    private static final class Tracked {
        final String name;
        final long pid;
        final List<Member> members = new ArrayList<>();
        final List<ProcessSample> samples = new ArrayList<>();
        long lastNanos;
        boolean observed;
        OptionalLong lastUptimeTicks = OptionalLong.empty();

        Tracked(String name, long pid) {
            this.name = name;
            this.pid = pid;
        }
    }

    private final Path procRoot;
    private final LongSupplier nanoTime;
    private final long originNanos;
    private final LongFunction<List<Long>> descendantsOf;
    private final JvmHeap heap;
    private final Queue<Registration> registrations = new ConcurrentLinkedQueue<>();
    private final Queue<Root> roots = new ConcurrentLinkedQueue<>();
    private final Queue<Command> commands = new ConcurrentLinkedQueue<>();
    // guarded by this: touched by the sampling thread and by whoever calls sampleNow or series
    private final Map<String, Tracked> tracked = new LinkedHashMap<>();
    private final Map<Long, Tracked> byPid = new LinkedHashMap<>();
    private ScheduledExecutorService scheduler;
    private volatile boolean closed;

    /** On {@code /proc}, with {@code t} = seconds since now. */
    public ProcessSampler() {
        this(Path.of("/proc"), System::nanoTime, System.nanoTime());
    }

    /**
     * @param procRoot    where proc(5) is mounted ({@code /proc}; a directory of fake files in tests)
     * @param nanoTime    the clock of the samples ({@code System::nanoTime})
     * @param originNanos the reading of {@code nanoTime} that is {@code t = 0}, e.g. when the run started
     */
    public ProcessSampler(Path procRoot, LongSupplier nanoTime, long originNanos) {
        this(procRoot, nanoTime, originNanos, ProcessSampler::liveDescendants);
    }

    ProcessSampler(Path procRoot, LongSupplier nanoTime, long originNanos, LongFunction<List<Long>> descendantsOf) {
        this.procRoot = procRoot;
        this.nanoTime = nanoTime;
        this.originNanos = originNanos;
        this.descendantsOf = descendantsOf;
        this.heap = new JvmHeap(procRoot, nanoTime);
    }

    /**
     * Samples {@code pid} from the next sample on, as series {@code name} (a name already tracked adds the
     * process to that series). A pid already tracked is ignored. {@code jvm}: also read its heap.
     */
    public void track(String name, long pid, boolean jvm) {
        registrations.add(new Registration(name, pid, jvm));
    }

    /**
     * On every sample, tracks the descendants of {@code parentPid} that are not JVMs (track those with
     * {@link #track} and {@code jvm = true}) and not tracked yet, as series {@code namePrefix + } their
     * command's name ({@code postgres}, {@code redis-server}: {@code comm} of proc(5), or the executable's
     * base name where {@code comm} is cut short), one series per name.
     */
    public void trackDescendants(String namePrefix, long parentPid) {
        roots.add(new Root(namePrefix, parentPid));
    }

    /**
     * On every sample, tracks every process of the machine whose {@code comm} is {@code comm}, as one series
     * {@code name}: for servers that detach from whoever started them (embedded PostgreSQL is started by
     * {@code pg_ctl} and re-parented to init, so it is no one's descendant), or that run on their own.
     */
    public void trackCommand(String name, String comm) {
        commands.add(new Command(name, comm));
    }

    /** Samples every {@code interval} on a daemon thread, the first time now, until {@link #close}. */
    public synchronized void start(Duration interval) {
        if (scheduler != null || closed) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "process-sampler");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleAtFixedRate(() -> {
            try {
                sampleNow();
            } catch (RuntimeException e) {
                // one bad sample must not end the series: an exception would cancel the schedule
            }
        }, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Takes one sample now, on the calling thread (e.g. a last one before {@link #series}). */
    public synchronized void sampleNow() {
        OptionalLong uptime = uptimeTicks();
        for (Registration r; (r = registrations.poll()) != null; ) {
            add(r.name(), r.pid(), r.jvm());
        }
        for (Root root : roots) {
            discover(root);
        }
        if (!commands.isEmpty()) {
            discoverCommands();
        }
        for (Tracked t : tracked.values()) {
            // each series its own instant: an attach in one series must not stretch the next one's interval
            observe(t, nanoTime.getAsLong(), uptime);
        }
    }

    /** The series so far, in the order they were first tracked, leaving out those without a sample yet. */
    public synchronized List<ProcessSeries> series() {
        List<ProcessSeries> out = new ArrayList<>();
        for (Tracked t : tracked.values()) {
            if (!t.samples.isEmpty()) {
                out.add(new ProcessSeries(t.name, t.pid, List.copyOf(t.samples)));
            }
        }
        return out;
    }

    /**
     * Heap used by JVM {@code pid} in MB right after a full GC ({@code MemoryMXBean.gc()}, which does nothing
     * under {@code -XX:+DisableExplicitGC}), attaching now if need be; -1 if it cannot be attached.
     */
    public double heapAfterGcMb(long pid) {
        return heap.heapAfterGcMb(pid);
    }

    /** Stops sampling and closes the JMX connections; the series stay readable. */
    @Override
    public void close() {
        ScheduledExecutorService s;
        synchronized (this) {
            closed = true;
            s = scheduler;
        }
        if (s != null) {
            s.shutdownNow();
            try {
                // a sample in flight may be attaching: let it finish rather than close its connection under it
                s.awaitTermination(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        heap.close();
    }

    int attachAttempts() {
        return heap.attachAttempts();
    }

    private void add(String name, long pid, boolean jvm) {
        if (byPid.containsKey(pid)) {
            return;
        }
        Tracked t = tracked.computeIfAbsent(name, n -> new Tracked(n, pid));
        t.members.add(new Member(pid, jvm));
        byPid.put(pid, t);
    }

    private void discover(Root root) {
        for (long pid : descendantsOf.apply(root.parentPid())) {
            if (byPid.containsKey(pid)) {
                continue;
            }
            Optional<String> command = command(pid);
            if (command.isPresent() && !isJvm(pid, command.get())) {
                add(root.namePrefix() + command.get(), pid, false);
            }
        }
    }

    private void discoverCommands() {
        try (var entries = Files.list(procRoot)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String file = entry.getFileName().toString();
                if (!file.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(file);
                if (byPid.containsKey(pid)) {
                    continue;
                }
                Optional<ProcStat> stat = stat(pid);
                for (Command command : commands) {
                    if (stat.isPresent() && stat.get().comm().equals(command.comm())) {
                        add(command.name(), pid, false);
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // no proc(5) here: nothing to find
        }
    }

    private void observe(Tracked t, long now, OptionalLong uptime) {
        long ticks = 0;
        long rssKb = 0;
        double heapMb = 0;
        boolean heapKnown = false;
        boolean alive = false;
        for (Iterator<Member> it = t.members.iterator(); it.hasNext(); ) {
            Member m = it.next();
            Optional<ProcStat> stat = stat(m.pid);
            if (stat.isEmpty() || (m.startTime >= 0 && stat.get().startTime() != m.startTime)) {
                // exited (or the pid now belongs to another process): it stops here, its series stays
                it.remove();
                byPid.remove(m.pid);
                heap.forget(m.pid);
                continue;
            }
            alive = true;
            ProcStat s = stat.get();
            if (m.lastTicks >= 0) {
                ticks += Math.max(0, s.cpuTicks() - m.lastTicks);
            } else if (t.observed && t.lastUptimeTicks.isPresent() && s.startTime() >= t.lastUptimeTicks.getAsLong()) {
                // started since the series' last sample (a new PostgreSQL backend): all its CPU is in this interval
                ticks += s.cpuTicks();
            }
            m.startTime = s.startTime();
            m.lastTicks = s.cpuTicks();
            rssKb += rssKb(m.pid, s);
            if (m.jvm) {
                double h = heap.heapMb(m.pid);
                if (h >= 0) {
                    heapMb += h;
                    heapKnown = true;
                }
            }
        }
        if (!alive) {
            return;
        }
        if (t.observed) {
            double seconds = (now - t.lastNanos) / 1e9;
            double cores = seconds > 0 ? ticks / (double) CLK_TCK / seconds : 0;
            t.samples.add(new ProcessSample((now - originNanos) / 1e9, cores, heapKnown ? heapMb : -1, rssKb / 1024.0));
        }
        t.observed = true;
        t.lastNanos = now;
        t.lastUptimeTicks = uptime;
    }

    private Optional<ProcStat> stat(long pid) {
        try {
            return Optional.of(ProcStat.parse(Files.readString(procFile(pid, "stat"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** {@code VmRSS} of {@code status} in kB; from {@code stat}'s pages where it is missing (a zombie). */
    private long rssKb(long pid, ProcStat stat) {
        try (var lines = Files.lines(procFile(pid, "status"))) {
            Optional<String> vmRss = lines.filter(l -> l.startsWith("VmRSS:")).findFirst();
            if (vmRss.isPresent()) {
                return Long.parseLong(vmRss.get().substring("VmRSS:".length()).replace("kB", "").strip());
            }
        } catch (IOException | RuntimeException e) {
            // fall through to stat's figure
        }
        return stat.rssPages() * PAGE_SIZE / 1024;
    }

    /**
     * The command's name: {@code comm} (what {@code ps -C} matches), which is the name the program was
     * started by; the target of {@code exe} (what {@code ProcessHandle.info().command()} reads) is not,
     * since Debian's {@code redis-server} is a link to {@code redis-check-rdb}. Only where {@code comm} is cut
     * at 15 characters is the executable's longer name used.
     */
    private Optional<String> command(long pid) {
        Optional<String> comm = stat(pid).map(ProcStat::comm);
        if (comm.isEmpty() || comm.get().length() < COMM_MAX) {
            return comm;
        }
        return Optional.of(executable(pid).filter(e -> e.startsWith(comm.get())).orElse(comm.get()));
    }

    /** A JVM by either name: a launcher renamed through a link still runs {@code bin/java}. */
    private boolean isJvm(long pid, String command) {
        return command.equals("java") || executable(pid).filter("java"::equals).isPresent();
    }

    /** The base name of {@code exe}'s target; empty where it cannot be read (another user's process). */
    private Optional<String> executable(long pid) {
        try {
            String exe = Files.readSymbolicLink(procFile(pid, "exe")).getFileName().toString();
            // the binary was deleted or replaced on disk since the process started
            return Optional.of(exe.endsWith(DELETED) ? exe.substring(0, exe.length() - DELETED.length()) : exe);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Seconds since boot in clock ticks, the unit of {@code stat}'s start time. */
    private OptionalLong uptimeTicks() {
        try {
            String first = Files.readString(procRoot.resolve("uptime")).strip().split("\\s+")[0];
            return OptionalLong.of(Math.round(Double.parseDouble(first) * CLK_TCK));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    private Path procFile(long pid, String name) {
        return procRoot.resolve(Long.toString(pid)).resolve(name);
    }

    private static List<Long> liveDescendants(long parentPid) {
        return ProcessHandle.of(parentPid)
                .map(p -> p.descendants().map(ProcessHandle::pid).toList())
                .orElse(List.of());
    }
}
