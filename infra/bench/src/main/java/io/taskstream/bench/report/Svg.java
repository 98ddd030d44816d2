package io.taskstream.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import io.taskstream.bench.report.BenchReport.Point;

/**
 * Inline SVG charts for {@code report.html}: a line chart and a grouped bar chart sharing one frame (title,
 * y grid with tick labels, axis titles, legend on the right). The markup is XML as well as HTML, so the
 * report can be checked with an XML parser; every text is escaped and every number is finite.
 */
final class Svg {

    /** One line of a line chart; points that are not finite are left out rather than drawn as NaN. */
    record Line(String name, List<Point> points) {

        Line {
            name = Objects.requireNonNullElse(name, "");
            points = Objects.requireNonNullElse(points, List.of());
        }
    }

    private static final String[] COLOURS = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
            "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
    private static final int WIDTH = 720;
    private static final int LEFT = 64;
    private static final int RIGHT = 540;
    private static final int TOP = 40;
    private static final int BOTTOM = 260;
    private static final int MIN_HEIGHT = 310;
    private static final int LEGEND_ROW = 16;
    private static final int LEGEND_CHARS = 24;
    /** Beyond this many points a line's markers would hide it; below it they show single points. */
    private static final int MARKERS_UP_TO = 20;

    private Svg() {
    }

    static String lineChart(String title, String xLabel, String yLabel, List<Line> lines) {
        List<Line> finite = lines.stream().map(l -> new Line(l.name(), l.points().stream()
                .filter(p -> Double.isFinite(p.t()) && Double.isFinite(p.value())).toList())).toList();
        List<Point> all = finite.stream().flatMap(l -> l.points().stream()).toList();
        Axis x = Axis.of(all.stream().mapToDouble(Point::t).min().orElse(0),
                all.stream().mapToDouble(Point::t).max().orElse(0));
        Axis y = Axis.of(Math.min(0, all.stream().mapToDouble(Point::value).min().orElse(0)),
                all.stream().mapToDouble(Point::value).max().orElse(0));
        StringBuilder svg = open(title, xLabel, yLabel, y, finite.stream().map(Line::name).toList(), all.isEmpty());
        for (double tick : x.ticks()) {
            double px = x.scale(tick, LEFT, RIGHT);
            svg.append(line(px, BOTTOM, px, BOTTOM + 4, "#333"))
                    .append(text(px, BOTTOM + 18, "middle", x.label(tick)));
        }
        for (int i = 0; i < finite.size(); i++) {
            List<Point> points = finite.get(i).points();
            StringBuilder coords = new StringBuilder();
            for (Point p : points) {
                coords.append(num(x.scale(p.t(), LEFT, RIGHT))).append(',')
                        .append(num(y.scale(p.value(), BOTTOM, TOP))).append(' ');
            }
            svg.append("<polyline fill=\"none\" stroke-width=\"2\"").append(stroke(i)).append(" points=\"")
                    .append(coords.toString().strip()).append("\"/>\n");
            if (points.size() <= MARKERS_UP_TO) {
                for (Point p : points) {
                    svg.append("<circle r=\"3\" cx=\"").append(num(x.scale(p.t(), LEFT, RIGHT))).append("\" cy=\"")
                            .append(num(y.scale(p.value(), BOTTOM, TOP))).append("\" fill=\"").append(colour(i))
                            .append("\"><title>")
                            .append(escape(finite.get(i).name() + ": " + num(p.t()) + " → " + num(p.value())))
                            .append("</title></circle>\n");
                }
            }
        }
        return svg.append("</svg>\n").toString();
    }

    /** Bars side by side in each group; {@code values[group][bar]}. */
    static String barChart(String title, String yLabel, List<String> groups, List<String> bars, double[][] values) {
        double max = 0;
        for (double[] group : values) {
            for (double v : group) {
                max = Math.max(max, finite(v));
            }
        }
        Axis y = Axis.of(0, max);
        StringBuilder svg = open(title, null, yLabel, y, bars, groups.isEmpty());
        double groupWidth = (RIGHT - LEFT) / (double) Math.max(1, groups.size());
        double barWidth = groupWidth * 0.8 / Math.max(1, bars.size());
        for (int g = 0; g < groups.size(); g++) {
            double groupLeft = LEFT + g * groupWidth;
            svg.append(text(groupLeft + groupWidth / 2, BOTTOM + 18, "middle", groups.get(g)));
            for (int b = 0; b < bars.size(); b++) {
                double v = finite(values[g][b]);
                double top = y.scale(v, BOTTOM, TOP);
                svg.append("<rect x=\"").append(num(groupLeft + groupWidth * 0.1 + b * barWidth))
                        .append("\" y=\"").append(num(top)).append("\" width=\"").append(num(barWidth))
                        .append("\" height=\"").append(num(BOTTOM - top)).append("\" fill=\"").append(colour(b))
                        .append("\"><title>").append(escape(groups.get(g) + " " + bars.get(b) + ": " + num(v)))
                        .append("</title></rect>\n");
            }
        }
        return svg.append("</svg>\n").toString();
    }

    /** The frame both charts share: title, y grid and labels, axes, axis titles, legend. */
    private static StringBuilder open(String title, String xLabel, String yLabel, Axis y, List<String> legend,
                                      boolean empty) {
        int height = Math.max(MIN_HEIGHT, TOP + legend.size() * LEGEND_ROW + 10);
        StringBuilder svg = new StringBuilder().append("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"")
                .append(" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height).append("\" width=\"")
                .append(WIDTH).append("\" height=\"").append(height).append("\">\n<title>").append(escape(title))
                .append("</title>\n").append("<text x=\"").append(WIDTH / 2).append("\" y=\"20\" ")
                .append("text-anchor=\"middle\" font-weight=\"bold\">").append(escape(title)).append("</text>\n");
        for (double tick : y.ticks()) {
            double py = y.scale(tick, BOTTOM, TOP);
            svg.append(line(LEFT, py, RIGHT, py, "#ddd")).append(text(LEFT - 6, py + 4, "end", y.label(tick)));
        }
        svg.append(line(LEFT, BOTTOM, RIGHT, BOTTOM, "#333")).append(line(LEFT, TOP, LEFT, BOTTOM, "#333"));
        if (xLabel != null) {
            svg.append(text((LEFT + RIGHT) / 2.0, BOTTOM + 38, "middle", xLabel));
        }
        svg.append("<text transform=\"translate(14,").append(num((TOP + BOTTOM) / 2.0))
                .append(") rotate(-90)\" text-anchor=\"middle\">").append(escape(yLabel)).append("</text>\n");
        if (empty) {
            svg.append(text((LEFT + RIGHT) / 2.0, (TOP + BOTTOM) / 2.0, "middle", "no data"));
        }
        for (int i = 0; i < legend.size(); i++) {
            int row = TOP + i * LEGEND_ROW;
            String name = legend.get(i);
            // a long name would run off the right edge: cut it, with the whole of it as a tooltip
            String shown = name.length() > LEGEND_CHARS ? name.substring(0, LEGEND_CHARS - 1) + "…" : name;
            svg.append("<g><title>").append(escape(name)).append("</title><rect x=\"").append(RIGHT + 16)
                    .append("\" y=\"").append(row).append("\" width=\"12\" height=\"12\" fill=\"").append(colour(i))
                    .append("\"/>\n").append(text(RIGHT + 34, row + 10, "start", shown)).append("</g>\n");
        }
        return svg;
    }

    private static String line(double x1, double y1, double x2, double y2, String colour) {
        return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2)
                + "\" stroke=\"" + colour + "\"/>\n";
    }

    private static String text(double x, double y, String anchor, String content) {
        return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\">" + escape(content)
                + "</text>\n";
    }

    private static String colour(int i) {
        return COLOURS[i % COLOURS.length];
    }

    /** Colours repeat after ten lines, so later lines are dashed to stay apart. */
    private static String stroke(int i) {
        return " stroke=\"" + colour(i) + "\"" + (i >= COLOURS.length ? " stroke-dasharray=\"6 3\"" : "");
    }

    private static double finite(double v) {
        return Double.isFinite(v) ? v : 0;
    }

    static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /**
     * Text for HTML and XML alike: the five markup characters as references, and control characters (which
     * XML 1.0 does not allow even as references) dropped.
     */
    static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /**
     * A value axis from {@code lo} to {@code hi} in round steps. A degenerate range (one point, all zero) is
     * widened to one unit so that scaling never divides by zero.
     */
    private record Axis(double lo, double hi, double step) {

        static Axis of(double min, double max) {
            if (!(max > min)) {
                max = min + 1;
            }
            double step = niceStep((max - min) / 5);
            return new Axis(Math.floor(min / step) * step, Math.ceil(max / step) * step, step);
        }

        private static double niceStep(double raw) {
            double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
            double fraction = raw / magnitude;
            double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
            return nice * magnitude;
        }

        List<Double> ticks() {
            List<Double> ticks = new ArrayList<>();
            long steps = Math.round((hi - lo) / step);
            for (long i = 0; i <= steps; i++) {
                ticks.add(lo + i * step);
            }
            return ticks;
        }

        /** {@code v} mapped onto {@code from..to} in pixels. */
        double scale(double v, double from, double to) {
            return from + (v - lo) / (hi - lo) * (to - from);
        }

        /** As many decimals as the step needs, so ticks read 0.25, 0.5 … or 2.5, 5 … or 200, 400 …. */
        String label(double v) {
            int decimals = 0;
            for (double scaled = step; decimals < 6 && Math.abs(scaled - Math.rint(scaled)) > 1e-6 * scaled;
                 scaled *= 10) {
                decimals++;
            }
            // rounding leaves 0 as -1e-17 now and then, which would print as "-0"
            double shown = Math.abs(v) < step * 1e-6 ? 0 : v;
            return String.format(Locale.ROOT, "%." + decimals + "f", shown);
        }
    }
}
