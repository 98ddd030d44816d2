package io.taskstream.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import io.taskstream.bench.report.BenchReport.Delayed;
import io.taskstream.bench.report.BenchReport.Host;
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
import tools.jackson.databind.JsonNode;

class ReportWriterTest {

    private static final String SVG = "http://www.w3.org/2000/svg";
    private static final String XHTML = "http://www.w3.org/1999/xhtml";
    private static final String HOSTILE_NOTE = "a note with <script>alert('x')</script> & \"quotes\"";
    private static final Host HOST = new Host(16, "AMD Ryzen 9 7950X", "Linux 6.8 amd64", "25.0.1");

    @TempDir
    Path dir;

    @Test
    void theJsonHasEveryContractPathWithItsValueAndReadsBackAsTheSameReport() throws IOException {
        BenchReport report = full();

        ReportWriter.write(report, dir);

        String text = Files.readString(dir.resolve("report.json"));
        JsonNode json = Json.mapper().readTree(text);
        Map<String, Double> expected = Map.ofEntries(
                Map.entry("/throughput/kafka/tasksPerSec", 12000.5),
                Map.entry("/throughput/rest/tasksPerSec", 3000.0),
                Map.entry("/latency/start/p50Ms", 3.5), Map.entry("/latency/start/p95Ms", 8.2),
                Map.entry("/latency/start/p99Ms", 12.4),
                Map.entry("/latency/submit/p50Ms", 4.1), Map.entry("/latency/submit/p95Ms", 9.8),
                Map.entry("/latency/submit/p99Ms", 15.2),
                Map.entry("/delayed/fireLateness/p50Ms", 120.0), Map.entry("/delayed/fireLateness/p95Ms", 240.0),
                Map.entry("/delayed/fireLateness/p99Ms", 310.0),
                Map.entry("/delayed/heapMb", 480.25),
                Map.entry("/scaling/0/workers", 1.0), Map.entry("/scaling/0/tasksPerSec", 2000.0),
                Map.entry("/scaling/2/workers", 4.0), Map.entry("/scaling/2/tasksPerSec", 7600.0),
                Map.entry("/tasks/submitted", 800000.0), Map.entry("/tasks/completed", 799000.0),
                Map.entry("/tasks/lost", 0.0), Map.entry("/tasks/duplicated", 0.0));
        expected.forEach((path, value) -> {
            assertThat(json.at(path).isNumber()).as(path).isTrue();
            assertThat(json.at(path).asDouble()).as(path).isEqualTo(value);
        });
        assertThat(json.at("/scaling").size()).isEqualTo(3);
        assertThat(text).as("pretty-printed").contains("\n  \"throughput\" : {");
        assertThat(Json.mapper().readValue(text, BenchReport.class)).isEqualTo(report);
    }

    @Test
    void partsNotRunAreNullInTheJsonRatherThanMissing() throws IOException {
        ReportWriter.write(empty(), dir);

        JsonNode json = Json.mapper().readTree(Files.readString(dir.resolve("report.json")));
        for (String part : List.of("throughput", "latency", "delayed", "tasks")) {
            assertThat(json.has(part)).as(part).isTrue();
            assertThat(json.get(part).isNull()).as(part).isTrue();
        }
        assertThat(json.get("scaling").isArray()).isTrue();
        assertThat(json.get("scaling").isEmpty()).isTrue();

        ReportWriter.write(new BenchReport("t", 1, HOST, false, List.of(), new Throughput(null, null), null, null,
                List.of(), null, List.of(), List.of(), List.of(), List.of()), dir);

        JsonNode throughput = Json.mapper().readTree(Files.readString(dir.resolve("report.json"))).get("throughput");
        assertThat(throughput.has("kafka")).isTrue();
        assertThat(throughput.get("kafka").isNull()).isTrue();
    }

    @Test
    void theMarkdownHasTheRunTheTargetsEverySectionAndTheNotes() throws IOException {
        ReportWriter.write(full(), dir);

        String md = Files.readString(dir.resolve("report.md"));
        assertThat(md).startsWith("# Taskstream benchmark\n")
                .contains("- Started: 2026-05-01T10:00:00Z\n")
                .contains("- Host: 16 CPUs, AMD Ryzen 9 7950X, Linux 6.8 amd64, Java 25.0.1\n")
                .contains("- Quick: no\n")
                .contains("- Duration: 1234.5 s\n")
                .contains("- Scenarios: throughput-kafka, throughput-rest, latency, delayed, scaling\n")
                .contains("| Target | Goal | Measured | Met | Reason |\n| --- | --- | --- | --- | --- |\n")
                .contains("| start latency p99 | < 50 ms | 12.4 ms | ✔ |  |\n")
                .contains("| throughput kafka | ≥ 15000 tasks/s | 12000.5 tasks/s | ✘ | limited \\| by the "
                        + "broker's disk |\n")
                .contains("| Kafka (throughput-kafka) | 12000.5 | 600000 | 50.0 |\n")
                .contains("| start | 3.5 | 8.2 | 12.4 | 40.0 | 50000 |\n")
                .contains("| submit (POST /tasks) | 4.1 | 9.8 | 15.2 | 33.0 | 60000 |\n")
                .contains("- Scheduler heap (after a GC): 210.5 MB before, 480.3 MB while they all wait\n")
                .contains("| fire lateness (due → QUEUED) | 120.0 | 240.0 | 310.0 | 400.0 | 10000 |\n")
                .contains("| 4 | 8 | 7600.0 | 3.30 |\n")
                .contains("✔ Every task accounted for")
                .contains("| 800000 | 799000 | 0 | 0 | 1000 |\n")
                .contains("| throughput-kafka | tasks/s | 11 | 12500.0 |\n")
                .contains("| api | 101 | 1.50 | 2.0 | 300.0 | 700.0 |\n")
                .contains("| kafka <broker> | 4242 | 0.75 | 1.0 | - | 1200.0 |\n")
                .contains("- " + HOSTILE_NOTE + "\n")
                .doesNotContain("not run");
    }

    @Test
    void theMarkdownSaysWhichPartsWereNotRun() throws IOException {
        ReportWriter.write(empty(), dir);

        String md = Files.readString(dir.resolve("report.md"));
        for (String section : List.of("Throughput", "Latency", "Delayed tasks", "Scaling", "Tasks accounted for")) {
            assertThat(md).contains("## " + section + "\n\nnot run\n");
        }
        assertThat(md).contains("- Quick: yes (small sizes")
                .contains("- Scenarios: none\n")
                .contains("No targets.")
                .contains("No time series.")
                .contains("No process sampled.")
                .contains("## Notes\n\nNone.\n");
    }

    @Test
    void theHtmlIsWellFormedWithOneChartPerMeasureAndEscapesWhatItQuotes() throws Exception {
        ReportWriter.write(full(), dir);

        String html = Files.readString(dir.resolve("report.html"));
        Document doc = parse(html);
        // tasks/s and records over time, latency percentiles, scaling, CPU, heap
        assertThat(svgTitles(doc)).containsExactly("Latency percentiles", "Scaling", "tasks/s over time",
                "records over time", "CPU", "JVM heap");
        assertThat(html.split("<svg", -1)).hasSize(7);
        assertThat(html).doesNotContain("NaN").doesNotContain("Infinity")
                .doesNotContain("<script").contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp;")
                .contains("kafka &lt;broker&gt;")
                .contains("<td class=\"met\">✔</td>").contains("<td class=\"missed\">✘</td>");
        NodeList items = doc.getElementsByTagNameNS(XHTML, "li");
        assertThat(IntStream.range(0, items.getLength()).mapToObj(i -> items.item(i).getTextContent()))
                .contains(HOSTILE_NOTE);
        assertThat(doc.getElementsByTagNameNS(XHTML, "table").getLength()).isEqualTo(8);
        assertThat(chart(doc, "CPU").getTextContent()).contains("api (101)", "kafka <broker> (4242)");
        assertThat(chart(doc, "JVM heap").getTextContent()).as("not a JVM: no heap")
                .contains("api (101)").doesNotContain("kafka");
        assertThat(chart(doc, "Latency percentiles").getElementsByTagNameNS(SVG, "rect").getLength())
                .as("5 measures × 3 percentiles + 3 legend keys").isEqualTo(18);
        assertThat(chart(doc, "tasks/s over time").getTextContent()).contains("throughput-kafka", "throughput-rest");
    }

    @Test
    void anAlmostEmptyReportHasNoChartsAndStillParses() throws Exception {
        ReportWriter.write(empty(), dir);

        String html = Files.readString(dir.resolve("report.html"));
        Document doc = parse(html);
        assertThat(doc.getElementsByTagNameNS(SVG, "svg").getLength()).isZero();
        assertThat(html).contains("<p>not run</p>").doesNotContain("NaN");
    }

    @Test
    void emptySeriesSinglePointsAndNonFiniteValuesDrawWithoutNaN() throws Exception {
        List<ProcessSeries> processes = new ArrayList<>(IntStream.range(0, 11).mapToObj(i -> new ProcessSeries(
                "worker-with-a-rather-long-name-" + i, 200 + i,
                List.of(new ProcessSample(0, 0.5, -1, 100), new ProcessSample(1, 0.6, -1, 110)))).toList());
        processes.add(new ProcessSeries("idle", 1, List.of()));
        BenchReport edge = new BenchReport(null, 0, null, true, null, null, null,
                new Delayed(10, 0, 0, 0, 0, new Percentiles(0, 0, 0, 0, 0), null),
                List.of(new ScalingPoint(2, 4, 500, 0.5)), new Tasks(10, 8, 1, 1, 0),
                List.of(new Target("t", null, null, false, null)),
                List.of(new Series("empty", "x", List.of()),
                        new Series("one", "y", List.of(new Point(5, 3))),
                        new Series("odd", "y", List.of(new Point(0, Double.NaN),
                                new Point(Double.POSITIVE_INFINITY, 1), new Point(2, 1))),
                        new Series(null, null, null)),
                processes, null);

        ReportWriter.write(edge, dir.resolve("nested/run"));

        String html = Files.readString(dir.resolve("nested/run/report.html"));
        Document doc = parse(html);
        assertThat(svgTitles(doc)).containsExactly("Latency percentiles", "Scaling", "x over time", "y over time",
                "value over time", "CPU");
        assertThat(html).doesNotContain("NaN").doesNotContain("Infinity")
                .contains(">no data<")
                .contains("stroke-dasharray").contains(">worker-with-a-rather-lo…</text>");
        assertThat(chart(doc, "Latency percentiles").getTextContent()).contains("fire lateness");
        assertThat(html.indexOf("<title>Latency percentiles</title>"))
                .as("without a latency part the fire lateness chart sits under delayed")
                .isBetween(html.indexOf("<h2>Delayed tasks</h2>"), html.indexOf("<h2>Scaling</h2>"));
        assertThat(chart(doc, "y over time").getElementsByTagNameNS(SVG, "circle").getLength()).isEqualTo(2);
        String md = Files.readString(dir.resolve("nested/run/report.md"));
        assertThat(md).contains("- Started: unknown\n").contains("- Host: unknown\n")
                .contains("✘ 1 lost, 1 run more than once.")
                .contains("| t |  |  | ✘ |  |\n")
                .contains("| idle | 1 | - | - | - | - |\n")
                .contains("| worker-with-a-rather-long-name-0 | 200 | 0.55 | 0.6 | - | 110.0 |\n")
                .contains("| empty | x | 0 | - |\n")
                .contains("| fire lateness (due → QUEUED) | 0.0 | 0.0 | 0.0 | 0.0 | 0 |\n")
                .contains("| start | not run | - | - | - | - |\n");
    }

    @Test
    void axisTicksAreRoundNumbersWithTheDecimalsTheirStepNeeds() throws Exception {
        String small = Svg.lineChart("small", "s", "u", List.of(new Svg.Line("a",
                List.of(new Point(0, 0), new Point(10, 0.5)))));
        String quarter = Svg.lineChart("quarter", "s", "u", List.of(new Svg.Line("a",
                List.of(new Point(0, 0), new Point(1, 12)))));
        String flat = Svg.lineChart("flat", "s", "u", List.of(new Svg.Line("a",
                List.of(new Point(3, -0.0), new Point(3, 0)))));

        assertThat(small).contains(">0.1<", ">0.5<", ">0<", ">10<").doesNotContain(">-0");
        assertThat(quarter).contains(">2.5<", ">12.5<", ">0.2<");
        assertThat(flat).contains(">0.0<", ">1.0<", ">3.0<", ">4.0<").doesNotContain(">-0");
        for (String svg : List.of(small, quarter, flat)) {
            parse(svg);
        }
    }

    private static Document parse(String markup) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(markup.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> svgTitles(Document doc) {
        NodeList svgs = doc.getElementsByTagNameNS(SVG, "svg");
        return IntStream.range(0, svgs.getLength())
                .mapToObj(i -> ((Element) svgs.item(i)).getElementsByTagNameNS(SVG, "title").item(0).getTextContent())
                .toList();
    }

    private static Element chart(Document doc, String title) {
        NodeList svgs = doc.getElementsByTagNameNS(SVG, "svg");
        return IntStream.range(0, svgs.getLength()).mapToObj(i -> (Element) svgs.item(i))
                .filter(svg -> svg.getElementsByTagNameNS(SVG, "title").item(0).getTextContent().equals(title))
                .findFirst().orElseThrow();
    }

    private static BenchReport full() {
        return new BenchReport("2026-05-01T10:00:00Z", 1234.5, HOST, false,
                List.of("throughput-kafka", "throughput-rest", "latency", "delayed", "scaling"),
                new Throughput(new Rate(12000.5, 600000, 50), new Rate(3000, 150000, 50)),
                new Latency(1000, new Percentiles(3.5, 8.2, 12.4, 40, 50000), new Percentiles(3, 7, 10, 30, 40000),
                        new Percentiles(5, 11, 14, 40, 10000), 1000, new Percentiles(4.1, 9.8, 15.2, 33, 60000)),
                new Delayed(1_000_000, 210.5, 480.25, 10000, 1000, new Percentiles(120, 240, 310, 400, 10000),
                        new Percentiles(130, 250, 320, 410, 10000)),
                List.of(new ScalingPoint(1, 8, 2000, 0.9), new ScalingPoint(2, 8, 3900, 1.7),
                        new ScalingPoint(4, 8, 7600, 3.3)),
                new Tasks(800000, 799000, 0, 0, 1000),
                List.of(new Target("start latency p99", "< 50 ms", "12.4 ms", true, null),
                        new Target("throughput kafka", "≥ 15000 tasks/s", "12000.5 tasks/s", false,
                                "limited | by the broker's disk")),
                List.of(new Series("throughput-kafka", "tasks/s", ramp(0, 11, 2500)),
                        new Series("throughput-rest", "tasks/s", ramp(60, 11, 300)),
                        new Series("consumer lag", "records", ramp(0, 120, 10))),
                List.of(process("api", 101, 300), process("worker", 102, 200),
                        new ProcessSeries("kafka <broker>", 4242, List.of(new ProcessSample(0, 0.5, -1, 1100),
                                new ProcessSample(1, 1.0, -1, 1200)))),
                List.of("throughput is limited by the broker's disk", HOSTILE_NOTE));
    }

    private static BenchReport empty() {
        return new BenchReport("2026-05-01T10:00:00Z", 3, HOST, true, List.of(), null, null, null, List.of(), null,
                List.of(), List.of(), List.of(), List.of());
    }

    /** {@code n} points a second apart from {@code t0}, rising by {@code step} (capped at five steps). */
    private static List<Point> ramp(double t0, int n, double step) {
        return IntStream.range(0, n).mapToObj(i -> new Point(t0 + i, Math.min(i, 5) * step)).toList();
    }

    private static ProcessSeries process(String name, long pid, double heapMb) {
        return new ProcessSeries(name, pid, List.of(new ProcessSample(0, 1.0, heapMb / 2, 600),
                new ProcessSample(1, 2.0, heapMb, 700)));
    }
}
