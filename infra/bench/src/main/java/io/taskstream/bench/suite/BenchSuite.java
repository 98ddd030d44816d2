package io.taskstream.bench.suite;

import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import io.taskstream.bench.HostCpu;
import io.taskstream.bench.OpenLoop;
import io.taskstream.bench.process.ProcessSampler;
import io.taskstream.bench.report.BenchReport;
import io.taskstream.bench.report.BenchReport.Delayed;
import io.taskstream.bench.report.BenchReport.Latency;
import io.taskstream.bench.report.BenchReport.Rate;
import io.taskstream.bench.report.BenchReport.ScalingPoint;
import io.taskstream.bench.report.BenchReport.Throughput;
import io.taskstream.bench.report.ReportWriter;
import io.taskstream.schemas.Topics;

/**
 * {@code ./taskstream bench [--quick] [--out DIR] [--partitions N] [scenario…]}: the benchmark of issue #8. Starts the
 * system ({@link Deployment}), one worker process of 100 slots, then runs the scenarios in this order —
 * {@code throughput-kafka}, {@code throughput-rest}, {@code latency}, {@code delayed}, {@code scaling} (all
 * of them unless named) — sampling CPU and heap of every process once a second, and writes
 * {@code report.json}, {@code report.md} and {@code report.html} into {@code bench-results/<timestamp>/}.
 * The exit code is 0 when every task is accounted for (none lost, none run twice), 1 otherwise — the only
 * thing {@code --quick} (CI's smoke test) asserts; timings are reported against the targets, never asserted.
 */
public final class BenchSuite {

    public static final List<String> SCENARIOS = List.of(ThroughputKafka.NAME, ThroughputRest.NAME,
            LatencyScenario.NAME, DelayedScenario.NAME, ScalingScenario.NAME);
    static final String SCHEDULER_GROUP = "taskstream-scheduler";
    static final String WORKER_GROUP = "taskstream-workers";
    static final String PROJECTION_GROUP = "taskstream-projection";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /** What the command line asked for. */
    record Options(boolean quick, List<String> scenarios, Path out, int partitions) {
    }

    /** Partitions per topic of the bench's devstack: the scaling curve is on 12. */
    static final int DEFAULT_PARTITIONS = 12;

    private BenchSuite() {
    }

    /** Whether {@code args} are the suite's (not one of the older single scenarios, {@code submit}/{@code schedules}). */
    public static boolean handles(String[] args) {
        return args.length == 0 || args[0].startsWith("--") || SCENARIOS.contains(args[0]);
    }

    static Options parse(String[] args, Instant now) {
        boolean quick = false;
        Path out = null;
        int partitions = DEFAULT_PARTITIONS;
        Set<String> scenarios = new LinkedHashSet<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--out" -> {
                    if (i + 1 == args.length) {
                        throw new IllegalArgumentException("--out needs a directory");
                    }
                    out = Path.of(args[++i]);
                }
                case "--partitions" -> {
                    try {
                        partitions = Integer.parseInt(i + 1 == args.length ? "" : args[++i]);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--partitions needs a whole number from 1 to 64");
                    }
                    if (partitions < 1 || partitions > 64) {
                        throw new IllegalArgumentException("--partitions needs a whole number from 1 to 64");
                    }
                }
                default -> {
                    if (!SCENARIOS.contains(args[i])) {
                        throw new IllegalArgumentException("unknown scenario or option '" + args[i] + "'; scenarios: "
                                + String.join(", ", SCENARIOS));
                    }
                    scenarios.add(args[i]);
                }
            }
        }
        List<String> ordered = SCENARIOS.stream().filter(s -> scenarios.isEmpty() || scenarios.contains(s)).toList();
        return new Options(quick, ordered, out != null ? out : Path.of("bench-results", STAMP.format(now)), partitions);
    }

    /** Runs the suite; answers the exit code. */
    public static int run(String[] args, Function<String, String> env, PrintStream out, PrintStream err)
            throws Exception {
        Clock clock = Clock.systemUTC();
        Options options;
        try {
            options = parse(args, clock.instant());
        } catch (IllegalArgumentException e) {
            err.println("taskstream bench: " + e.getMessage());
            return 2;
        }
        Sizes sizes = options.quick() ? Sizes.quick() : Sizes.full();
        int cpus = Runtime.getRuntime().availableProcessors();
        out.printf("bench: %s%s into %s; host %d CPUs (%s)%n", String.join(", ", options.scenarios()),
                options.quick() ? " (quick)" : "", options.out(), cpus, HostCpu.model(HostCpu.PROC_CPUINFO));
        // one origin for the process samples and the scenarios' windows and series (seconds since begin)
        Instant begin = clock.instant();
        long beginNanos = System.nanoTime();
        // the sampler closes first: its JMX connections must not outlive the processes they watch
        try (Deployment deployment = Deployment.start(env, Deployment.Launch.fromSystemProperties(Path.of("")), options.out(),
                     options.partitions(), Duration.ofMinutes(3));
             ProcessSampler sampler = new ProcessSampler(Path.of("/proc"), System::nanoTime, beginNanos)) {
            Deployment.Endpoints endpoints = deployment.endpoints();
            out.println("bench: measuring " + endpoints.apiUrl() + " (Kafka " + endpoints.kafka() + ")");
            sampler.track("bench", ProcessHandle.current().pid(), true);
            deployment.devstack().ifPresent(d -> {
                sampler.track("devstack", d.process().pid(), true);
                sampler.trackDescendants("", d.process().pid());
            });
            // embedded PostgreSQL detaches from the devstack (pg_ctl); the machine's own counts too when used
            sampler.trackCommand("postgres", "postgres");
            sampler.start(Duration.ofSeconds(1));
            Topics topics = new Topics(env.apply("TASKSTREAM_TOPICS_PREFIX") == null ? Topics.DEFAULT_PREFIX
                    : env.apply("TASKSTREAM_TOPICS_PREFIX"));
            // tenants are named after the run: unique, so a shared database's earlier runs never count
            String runId = Long.toString(new SecureRandom().nextLong(36L * 36 * 36 * 36 * 36 * 36), 36);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafka()));
                 TaskProducer producer = new TaskProducer(endpoints.kafka(), topics, clock, new SecureRandom());
                 Ledger ledger = new Ledger(endpoints.jdbcUrl(), endpoints.dbUser(), endpoints.dbPassword());
                 Backlog backlog = new Backlog(admin, topics, SCHEDULER_GROUP, WORKER_GROUP, PROJECTION_GROUP)) {
                Deployment.Child worker = deployment.startWorker(sizes.slots());
                sampler.track(worker.name(), worker.process().pid(), true);
                Deployment.awaitWorkers(admin, WORKER_GROUP, 1, Duration.ofSeconds(90));
                Run run = new Run(sizes, deployment, topics, producer, ledger, backlog, sampler, clock,
                        new SecureRandom(), out, runId, begin);
                if (!sizes.jitWarmup().isZero()) {
                    warmUp(run);
                }
                BenchReport report = scenarios(run, options, admin, cpus, begin);
                ReportWriter.write(report, options.out());
                out.printf("bench: wrote %s (report.json, report.md, report.html) in %.0f s%n", options.out(),
                        report.durationSeconds());
                report.targets().forEach(t -> out.printf("  %s %s: %s (target %s)%s%n", t.met() ? "met   " : "MISSED",
                        t.name(), t.measured(), t.goal(), t.met() ? "" : " — " + t.reason()));
                out.printf("  tasks: %s%n", report.tasks());
                boolean accounted = report.tasks().lost() == 0 && report.tasks().duplicated() == 0
                        && producer.failure() == null;
                if (!accounted) {
                    err.println("taskstream bench: not every task is accounted for: " + report.tasks()
                            + (producer.failure() == null ? "" : "; a send failed: " + producer.failure()));
                }
                return accounted ? 0 : 1;
            }
        }
    }

    /**
     * Unmeasured load, so that the scenarios meet compiled code, not the interpreter: no-op tasks straight to
     * Kafka at full speed, then {@code POST /tasks} at a third of the submission rate (a cold API handed
     * 1,000 requests/s falls behind for good: measured 7.6 s P95 where a warm one answers in milliseconds).
     */
    private static void warmUp(Run run) throws Exception {
        String tenant = run.tenant("warm-up");
        run.print("warm-up: %d s of no-op tasks straight to Kafka, then %d s of POST /tasks (not measured)",
                run.sizes.jitWarmup().toSeconds(), run.sizes.jitWarmup().toSeconds() / 2);
        long before = run.producer.acknowledged();
        run.saturate(tenant, "noop", "{}", run.sizes.backlog(), run.clock.instant().plus(run.sizes.jitWarmup()));
        run.producer.flush();
        long submitted = run.producer.acknowledged() - before;
        run.ledger.awaitTerminal(tenant, submitted, Duration.ofSeconds(120));
        run.account(tenant, submitted, submitted, 0);
        Duration api = run.sizes.jitWarmup().dividedBy(2);
        OpenLoop.Result result = LatencyScenario.submit(run, run.sizes.submitRate() / 3, Duration.ZERO, api);
        run.accountPending(result.count(202));
    }

    private static BenchReport scenarios(Run run, Options options, Admin admin, int cpus, Instant begin)
            throws Exception {
        Rate kafka = null;
        Rate rest = null;
        Latency latency = null;
        Delayed delayed = null;
        List<ScalingPoint> scaling = new ArrayList<>();
        for (String scenario : options.scenarios()) {
            switch (scenario) {
                case ThroughputKafka.NAME -> kafka = ThroughputKafka.run(run);
                case ThroughputRest.NAME -> rest = ThroughputRest.run(run);
                case LatencyScenario.NAME -> latency = LatencyScenario.run(run,
                        kafka != null ? kafka.tasksPerSec() : run.sizes.defaultPeak());
                case DelayedScenario.NAME -> delayed = DelayedScenario.run(run);
                case ScalingScenario.NAME -> scaling = ScalingScenario.run(run, admin, WORKER_GROUP);
                default -> throw new IllegalStateException("no scenario " + scenario);
            }
        }
        run.sampler.sampleNow();
        Throughput throughput = kafka == null && rest == null ? null : new Throughput(kafka, rest);
        var processes = run.sampler.series();
        Instant end = run.clock.instant();
        return new BenchReport(begin.toString(), Duration.between(begin, end).toMillis() / 1000.0,
                new BenchReport.Host(cpus, HostCpu.model(HostCpu.PROC_CPUINFO),
                        System.getProperty("os.name") + " " + System.getProperty("os.version"),
                        System.getProperty("java.vm.name") + " " + System.getProperty("java.version")),
                options.quick(), options.scenarios(), throughput, latency, delayed, scaling, run.tasks(),
                Targets.evaluate(throughput, latency, delayed, scaling, run.windows, processes, cpus),
                List.copyOf(run.series), processes, List.copyOf(run.notes));
    }
}
