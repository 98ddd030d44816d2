package io.taskstream.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.DoubleStream;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.taskstream.bench.report.BenchReport.Delayed;
import io.taskstream.bench.report.BenchReport.Latency;
import io.taskstream.bench.report.BenchReport.Percentiles;
import io.taskstream.bench.report.BenchReport.Point;
import io.taskstream.bench.report.BenchReport.ProcessSample;
import io.taskstream.bench.report.BenchReport.ProcessSeries;
import io.taskstream.bench.report.BenchReport.Rate;
import io.taskstream.bench.report.BenchReport.ScalingPoint;
import io.taskstream.bench.report.BenchReport.Series;
import io.taskstream.bench.report.BenchReport.Target;
import io.taskstream.bench.report.BenchReport.Tasks;
import io.taskstream.bench.report.BenchReport.Throughput;
import io.taskstream.schemas.Json;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a {@link BenchReport} three ways into one directory:
 * <ul>
 *   <li>{@code report.json}: the records field by field (the contract other tools read), pretty-printed, with
 *       {@code null} for a part that was not run so that every path is there whether measured or not;</li>
 *   <li>{@code report.md}: the run (date, host, quick or not, duration), the targets met or not, one section per
 *       scenario ("not run" when its part is null), every task accounted for, CPU and memory per process, the
 *       notes;</li>
 *   <li>{@code report.html}: the same tables in one self-contained page (inline CSS, inline SVG, no script, no
 *       network) with charts: each time series over time (one chart per unit), latency percentiles as bars,
 *       CPU cores and JVM heap per process over time, the scaling curve. It is well-formed XML too.</li>
 * </ul>
 * The markdown and the HTML are rendered from one list of blocks so that they cannot drift apart.
 */
public final class ReportWriter {

    /**
     * The project's mapper, except that nulls are written: a tool reading {@code throughput.kafka} should find
     * it {@code null} when not measured rather than wonder whether the field was renamed.
     */
    private static final JsonMapper JSON = Json.mapper().rebuild()
            .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.ALWAYS))
            .build();

    private static final String NOT_RUN = "not run";
    private static final String NONE = "-";

    private ReportWriter() {
    }

    /** Writes {@code report.json}, {@code report.md} and {@code report.html} into {@code dir}, made if missing. */
    public static void write(BenchReport report, Path dir) throws IOException {
        Files.createDirectories(dir);
        String json = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report);
        Files.writeString(dir.resolve("report.json"), json + "\n");
        List<Block> blocks = blocks(report);
        Files.writeString(dir.resolve("report.md"), markdown(blocks));
        Files.writeString(dir.resolve("report.html"), html(blocks));
    }

    private sealed interface Block {
    }

    private record Heading(int level, String text) implements Block {
    }

    private record Para(String text) implements Block {
    }

    private record Bullets(List<String> items) implements Block {
    }

    private record Table(List<String> header, List<List<String>> rows) implements Block {
    }

    /** Only in the HTML: markdown has no charts. */
    private record Chart(String svg) implements Block {
    }

    private static List<Block> blocks(BenchReport r) {
        List<Block> b = new ArrayList<>();
        b.add(new Heading(1, "Taskstream benchmark"));
        BenchReport.Host host = r.host();
        b.add(new Bullets(List.of(
                "Started: " + Objects.requireNonNullElse(r.startedAt(), "unknown"),
                "Host: " + (host == null ? "unknown" : host.cpus() + " CPUs, " + host.processor() + ", "
                        + host.os() + ", Java " + host.java()),
                "Quick: " + (r.quick() ? "yes (small sizes: a smoke test, its figures mean little)" : "no"),
                "Duration: " + fmt(r.durationSeconds()) + " s",
                "Scenarios: " + (list(r.scenarios()).isEmpty() ? "none" : String.join(", ", r.scenarios())))));
        targets(b, list(r.targets()));
        throughput(b, r.throughput());
        // one chart for all percentiles, fire lateness included, so they read on one scale; it goes with the
        // latency section, or with the delayed one when only that ran
        Chart percentiles = percentilesChart(r.latency(), r.delayed());
        latency(b, r.latency(), percentiles);
        delayed(b, r.delayed(), r.latency() == null ? percentiles : null);
        scaling(b, list(r.scaling()));
        tasks(b, r.tasks());
        series(b, list(r.series()));
        processes(b, list(r.processes()));
        b.add(new Heading(2, "Notes"));
        b.add(list(r.notes()).isEmpty() ? new Para("None.") : new Bullets(r.notes()));
        return b;
    }

    private static void targets(List<Block> b, List<Target> targets) {
        b.add(new Heading(2, "Targets"));
        if (targets.isEmpty()) {
            b.add(new Para("No targets."));
            return;
        }
        b.add(new Table(List.of("Target", "Goal", "Measured", "Met", "Reason"), targets.stream()
                .map(t -> cells(t.name(), t.goal(), t.measured(), t.met() ? "✔" : "✘", t.reason()))
                .toList()));
    }

    private static void throughput(List<Block> b, Throughput throughput) {
        b.add(new Heading(2, "Throughput"));
        if (throughput == null) {
            b.add(new Para(NOT_RUN));
            return;
        }
        b.add(new Table(List.of("Path", "Tasks/s", "Tasks", "Seconds"),
                List.of(rate("Kafka (throughput-kafka)", throughput.kafka()),
                        rate("REST (throughput-rest)", throughput.rest()))));
    }

    private static List<String> rate(String name, Rate rate) {
        return rate == null ? cells(name, NOT_RUN, NONE, NONE)
                : cells(name, fmt(rate.tasksPerSec()), Long.toString(rate.tasks()), fmt(rate.seconds()));
    }

    private static void latency(List<Block> b, Latency latency, Chart chart) {
        b.add(new Heading(2, "Latency"));
        if (latency == null) {
            b.add(new Para(NOT_RUN));
            return;
        }
        b.add(new Para("Start latency (due → handler start) under " + fmt(latency.loadTasksPerSec())
                + " tasks/s; POST /tasks latency at " + fmt(latency.submitRequestsPerSec())
                + " requests/s, measured from each request's due time (open loop)."));
        b.add(percentilesTable(List.of(
                percentiles("start", latency.start()),
                percentiles("start (immediate)", latency.startImmediate()),
                percentiles("start (delayed)", latency.startDelayed()),
                percentiles("submit (POST /tasks)", latency.submit()))));
        if (chart != null) {
            b.add(chart);
        }
    }

    private static void delayed(List<Block> b, Delayed delayed, Chart chart) {
        b.add(new Heading(2, "Delayed tasks"));
        if (delayed == null) {
            b.add(new Para(NOT_RUN));
            return;
        }
        b.add(new Bullets(List.of(
                "Pending at once: " + delayed.pending() + " tasks",
                "Scheduler heap (after a GC): " + fmt(delayed.heapMbBefore()) + " MB before, "
                        + fmt(delayed.heapMb()) + " MB while they all wait",
                "Burst: " + delayed.burstTasks() + " tasks due at " + fmt(delayed.burstPerSec()) + "/s")));
        b.add(percentilesTable(List.of(
                percentiles("fire lateness (due → QUEUED)", delayed.fireLateness()),
                percentiles("start", delayed.start()))));
        if (chart != null) {
            b.add(chart);
        }
    }

    private static Table percentilesTable(List<List<String>> rows) {
        return new Table(List.of("Measure", "p50 ms", "p95 ms", "p99 ms", "max ms", "Samples"), rows);
    }

    private static List<String> percentiles(String name, Percentiles p) {
        return p == null ? cells(name, NOT_RUN, NONE, NONE, NONE, NONE)
                : cells(name, fmt(p.p50Ms()), fmt(p.p95Ms()), fmt(p.p99Ms()), fmt(p.maxMs()),
                        Long.toString(p.count()));
    }

    /** p50/p95/p99 of every latency measured, in one chart; null when none was. */
    private static Chart percentilesChart(Latency latency, Delayed delayed) {
        Map<String, Percentiles> measured = new LinkedHashMap<>();
        if (latency != null) {
            measured.put("start", latency.start());
            measured.put("start (immediate)", latency.startImmediate());
            measured.put("start (delayed)", latency.startDelayed());
            measured.put("submit", latency.submit());
        }
        if (delayed != null) {
            measured.put("fire lateness", delayed.fireLateness());
        }
        measured.values().removeIf(Objects::isNull);
        if (measured.isEmpty()) {
            return null;
        }
        double[][] values = measured.values().stream()
                .map(p -> new double[] {p.p50Ms(), p.p95Ms(), p.p99Ms()}).toArray(double[][]::new);
        return new Chart(Svg.barChart("Latency percentiles", "ms", List.copyOf(measured.keySet()),
                List.of("p50", "p95", "p99"), values));
    }

    private static void scaling(List<Block> b, List<ScalingPoint> scaling) {
        b.add(new Heading(2, "Scaling"));
        if (scaling.isEmpty()) {
            b.add(new Para(NOT_RUN));
            return;
        }
        b.add(new Table(List.of("Workers", "Slots each", "Tasks/s", "CPU busy"), scaling.stream()
                .map(s -> cells(Integer.toString(s.workers()), Integer.toString(s.slots()), fmt(s.tasksPerSec()),
                        fmt(s.cpuBusy(), 2)))
                .toList()));
        b.add(new Chart(Svg.lineChart("Scaling", "worker processes", "tasks/s", List.of(new Svg.Line("tasks/s",
                scaling.stream().map(s -> new Point(s.workers(), s.tasksPerSec())).toList())))));
    }

    private static void tasks(List<Block> b, Tasks tasks) {
        b.add(new Heading(2, "Tasks accounted for"));
        if (tasks == null) {
            b.add(new Para(NOT_RUN));
            return;
        }
        b.add(new Para(tasks.lost() == 0 && tasks.duplicated() == 0
                ? "✔ Every task accounted for: none lost, none run twice."
                : "✘ " + tasks.lost() + " lost, " + tasks.duplicated() + " run more than once."));
        b.add(new Table(List.of("Submitted", "Completed", "Lost", "Duplicated", "Pending on purpose"),
                List.of(cells(Long.toString(tasks.submitted()), Long.toString(tasks.completed()),
                        Long.toString(tasks.lost()), Long.toString(tasks.duplicated()),
                        Long.toString(tasks.pending())))));
    }

    private static void series(List<Block> b, List<Series> series) {
        b.add(new Heading(2, "Over time"));
        if (series.isEmpty()) {
            b.add(new Para("No time series."));
            return;
        }
        b.add(new Table(List.of("Series", "Unit", "Points", "Max"), series.stream()
                .map(s -> cells(s.name(), unit(s), Integer.toString(list(s.points()).size()),
                        max(list(s.points()), Point::value)))
                .toList()));
        // series of one unit share a chart: they come from different scenarios, side by side on the time axis
        Map<String, List<Svg.Line>> byUnit = new LinkedHashMap<>();
        for (Series s : series) {
            byUnit.computeIfAbsent(unit(s), u -> new ArrayList<>()).add(new Svg.Line(s.name(), list(s.points())));
        }
        byUnit.forEach((unit, lines) -> b.add(new Chart(Svg.lineChart(unit + " over time", "seconds", unit,
                lines))));
    }

    private static String unit(Series s) {
        return s.unit() == null || s.unit().isBlank() ? "value" : s.unit();
    }

    private static void processes(List<Block> b, List<ProcessSeries> processes) {
        b.add(new Heading(2, "Processes"));
        if (processes.isEmpty()) {
            b.add(new Para("No process sampled."));
            return;
        }
        b.add(new Table(List.of("Process", "PID", "Mean CPU cores", "Max CPU cores", "Max heap MB", "Max RSS MB"),
                processes.stream().map(p -> {
                    List<ProcessSample> samples = list(p.samples());
                    return cells(p.name(), Long.toString(p.pid()),
                            stat(samples, ProcessSample::cpuCores, DoubleStream::average, 2),
                            max(samples, ProcessSample::cpuCores),
                            max(samples.stream().filter(s -> s.heapMb() >= 0).toList(), ProcessSample::heapMb),
                            max(samples, ProcessSample::rssMb));
                }).toList()));
        b.add(new Chart(Svg.lineChart("CPU", "seconds", "cores", processes.stream()
                .map(p -> new Svg.Line(label(p), list(p.samples()).stream()
                        .map(s -> new Point(s.t(), s.cpuCores())).toList()))
                .toList())));
        // heap -1 marks a process that is not a JVM: it has no heap to draw
        List<Svg.Line> heaps = processes.stream()
                .map(p -> new Svg.Line(label(p), list(p.samples()).stream().filter(s -> s.heapMb() >= 0)
                        .map(s -> new Point(s.t(), s.heapMb())).toList()))
                .filter(l -> !l.points().isEmpty())
                .toList();
        if (!heaps.isEmpty()) {
            b.add(new Chart(Svg.lineChart("JVM heap", "seconds", "MB", heaps)));
        }
    }

    private static String label(ProcessSeries p) {
        return p.name() + " (" + p.pid() + ")";
    }

    private static <T> String max(List<T> items, ToDoubleFunction<T> value) {
        return stat(items, value, DoubleStream::max, 1);
    }

    /** A figure over the finite values only: one NaN sample should not hide the rest. */
    private static <T> String stat(List<T> items, ToDoubleFunction<T> value,
                                   Function<DoubleStream, OptionalDouble> stat, int decimals) {
        OptionalDouble result = stat.apply(items.stream().mapToDouble(value).filter(Double::isFinite));
        return result.isPresent() ? fmt(result.getAsDouble(), decimals) : NONE;
    }

    private static String markdown(List<Block> blocks) {
        StringBuilder md = new StringBuilder();
        for (Block block : blocks) {
            switch (block) {
                case Heading h -> md.append("#".repeat(h.level())).append(' ').append(h.text()).append("\n\n");
                case Para p -> md.append(p.text()).append("\n\n");
                case Bullets l -> {
                    l.items().forEach(item -> md.append("- ").append(oneLine(item)).append('\n'));
                    md.append('\n');
                }
                case Table t -> {
                    md.append(row(t.header())).append('|').append(" --- |".repeat(t.header().size())).append('\n');
                    t.rows().forEach(r -> md.append(row(r)));
                    md.append('\n');
                }
                case Chart c -> {
                }
            }
        }
        return md.toString();
    }

    private static String row(List<String> cells) {
        StringBuilder row = new StringBuilder("|");
        // a | or a line break inside a cell would end it early
        cells.forEach(c -> row.append(' ').append(oneLine(c).replace("|", "\\|")).append(" |"));
        return row.append('\n').toString();
    }

    private static String oneLine(String s) {
        return Objects.requireNonNullElse(s, "").replaceAll("\\R", " ");
    }

    private static final String CSS = """
            body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; \
            color: #222; }
            h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
            table { border-collapse: collapse; margin: 1em 0; }
            th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: left; }
            th { background: #f3f3f3; }
            td.met { color: #1a7f37; font-weight: bold; }
            td.missed { color: #cf222e; font-weight: bold; }
            svg { max-width: 100%; height: auto; font-size: 11px; display: block; margin: 1em 0; }
            """;

    private static String html(List<Block> blocks) {
        StringBuilder html = new StringBuilder("""
                <!DOCTYPE html>
                <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
                <head>
                <meta charset="utf-8"/>
                <title>Taskstream benchmark</title>
                <style>
                """).append(CSS).append("</style>\n</head>\n<body>\n");
        for (Block block : blocks) {
            switch (block) {
                case Heading h -> html.append("<h").append(h.level()).append('>').append(Svg.escape(h.text()))
                        .append("</h").append(h.level()).append(">\n");
                case Para p -> html.append("<p>").append(Svg.escape(p.text())).append("</p>\n");
                case Bullets l -> {
                    html.append("<ul>\n");
                    l.items().forEach(item -> html.append("<li>").append(Svg.escape(item)).append("</li>\n"));
                    html.append("</ul>\n");
                }
                case Table t -> {
                    html.append("<table>\n<thead><tr>");
                    t.header().forEach(c -> html.append("<th>").append(Svg.escape(c)).append("</th>"));
                    html.append("</tr></thead>\n<tbody>\n");
                    for (List<String> r : t.rows()) {
                        html.append("<tr>");
                        r.forEach(c -> html.append(switch (c) {
                            case "✔" -> "<td class=\"met\">";
                            case "✘" -> "<td class=\"missed\">";
                            default -> "<td>";
                        }).append(Svg.escape(c)).append("</td>"));
                        html.append("</tr>\n");
                    }
                    html.append("</tbody>\n</table>\n");
                }
                case Chart c -> html.append(c.svg());
            }
        }
        return html.append("</body>\n</html>\n").toString();
    }

    private static String fmt(double v) {
        return fmt(v, 1);
    }

    private static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** A table row; a null text (a target without a reason) is an empty cell. */
    private static List<String> cells(String... texts) {
        return Arrays.stream(texts).map(t -> Objects.requireNonNullElse(t, "")).toList();
    }

    private static <T> List<T> list(List<T> list) {
        return list == null ? List.of() : list;
    }
}
