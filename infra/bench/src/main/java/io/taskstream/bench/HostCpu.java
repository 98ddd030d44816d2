package io.taskstream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The machine's CPU time so far, from {@code /proc/stat} (Linux): what a run's figures need beside them,
 * because the same code measures very differently on a busier or slower host. Two readings give how many
 * cores were busy in between (everything on the machine: the service, its infrastructure, the generator)
 * and how much time the hypervisor took from this virtual machine ("steal": a noisy neighbour).
 *
 * @param busy  ticks spent running anything (user, nice, system, irq, softirq)
 * @param idle  ticks idle or waiting for I/O
 * @param steal ticks the hypervisor gave to someone else while this machine wanted to run
 */
public record HostCpu(long busy, long idle, long steal) {

    public static final Path PROC_STAT = Path.of("/proc/stat");
    public static final Path PROC_CPUINFO = Path.of("/proc/cpuinfo");

    /** The current reading, or empty where {@code /proc/stat} cannot be read (not Linux). */
    public static Optional<HostCpu> read(Path procStat) {
        try {
            for (String line : Files.readAllLines(procStat)) {
                if (line.startsWith("cpu ")) {
                    return Optional.of(parse(line));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no figures then: the run is still worth reporting
        }
        return Optional.empty();
    }

    /** {@code cpu  user nice system idle iowait irq softirq steal [guest guest_nice]} (guest is within user). */
    static HostCpu parse(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 9 || !f[0].equals("cpu")) {
            throw new IllegalArgumentException("not the cpu line of /proc/stat: " + line);
        }
        long user = Long.parseLong(f[1]);
        long nice = Long.parseLong(f[2]);
        long system = Long.parseLong(f[3]);
        long idle = Long.parseLong(f[4]);
        long iowait = Long.parseLong(f[5]);
        long irq = Long.parseLong(f[6]);
        long softirq = Long.parseLong(f[7]);
        long steal = Long.parseLong(f[8]);
        return new HostCpu(user + nice + system + irq + softirq, idle + iowait, steal);
    }

    /** E.g. {@code 1.05 of 2 cores busy, 0.1 % stolen by the hypervisor}, for the time since {@code earlier}. */
    String since(HostCpu earlier, int cores) {
        long total = (busy - earlier.busy) + (idle - earlier.idle) + (steal - earlier.steal);
        if (total <= 0) {
            return "no CPU time elapsed";
        }
        return String.format(Locale.ROOT, "%.2f of %d cores busy, %.1f %% stolen by the hypervisor",
                coresBusySince(earlier, cores), cores, 100.0 * (steal - earlier.steal) / total);
    }

    /** How many of {@code cores} were busy on average since {@code earlier} (0 when no time elapsed). */
    public double coresBusySince(HostCpu earlier, int cores) {
        long busyTicks = busy - earlier.busy;
        long total = busyTicks + (idle - earlier.idle) + (steal - earlier.steal);
        return total <= 0 ? 0 : (double) busyTicks / total * cores;
    }

    /**
     * {@code host: 2 CPUs (<model>); measured window: <since>}: the machine the figures come from, and how
     * busy it was between the two readings (left out when either is missing).
     */
    static String describe(Optional<HostCpu> before, Optional<HostCpu> after) {
        int cores = Runtime.getRuntime().availableProcessors();
        String load = before.isPresent() && after.isPresent()
                ? "; measured window: " + after.get().since(before.get(), cores) : "";
        return "host: " + cores + " CPUs (" + model(PROC_CPUINFO) + ")" + load;
    }

    /** The processor's model name from {@code /proc/cpuinfo}, or "unknown processor". */
    public static String model(Path cpuinfo) {
        try (var lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown processor");
        } catch (IOException | RuntimeException e) {
            return "unknown processor";
        }
    }
}
