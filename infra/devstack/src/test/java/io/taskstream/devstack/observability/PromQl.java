package io.taskstream.devstack.observability;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Just enough PromQL for the dashboard and alert checks: which metric names an expression reads,
 * and whether its brackets balance. Not a parser — a tokenizer that knows what is not a metric:
 * function and aggregation names (an identifier followed by {@code (}), keywords ({@code by},
 * {@code on}, {@code offset}, …) and the label lists after them, label matchers inside {@code {}},
 * strings, ranges and subqueries inside {@code []}, numbers, durations and Grafana variables
 * ({@code $__rate_interval}, {@code ${datasource}}).
 */
final class PromQl {

    /** Words that are never metric names, whether or not a {@code (} follows. */
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "offset", "bool", "atan2", "sum", "min", "max", "avg", "group", "stddev",
            "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio", "inf", "nan");

    /** Keywords followed by a parenthesised list of label names, which are not metrics either. */
    private static final Set<String> LABEL_LIST_KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right");

    private PromQl() {
    }

    /** The metric names {@code expr} selects, e.g. {@code rate(x_total{a="b"}[5m]) / y} → {@code [x_total, y]}. */
    static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        int i = 0;
        int n = expr.length();
        while (i < n) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(expr, i);
            } else if (c == '{' || c == '[') {
                i = skipGroup(expr, i);
            } else if (c == '#') {
                i = skipComment(expr, i);
            } else if (c == '$') {
                i = skipVariable(expr, i + 1);
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1)))) {
                i = skipWhile(expr, i, ch -> Character.isLetterOrDigit(ch) || ch == '.' || ch == '_');
            } else if (isIdentifierStart(c)) {
                int end = skipWhile(expr, i, PromQl::isIdentifierPart);
                String word = expr.substring(i, end);
                int next = skipWhitespace(expr, end);
                boolean call = next < n && expr.charAt(next) == '(';
                if (LABEL_LIST_KEYWORDS.contains(word) && call) {
                    i = skipGroup(expr, next);
                } else if (word.equals("offset")) {
                    i = skipWhile(expr, next, ch -> Character.isLetterOrDigit(ch) || ch == '-' || ch == '.');
                } else {
                    if (!call && !KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
                        names.add(word);
                    }
                    i = end;
                }
            } else {
                i++;
            }
        }
        return names;
    }

    /**
     * Why the brackets of {@code expr} do not balance ({@code (}, {@code [}, {@code {} and unclosed
     * strings), or empty when they do.
     */
    static Optional<String> unbalanced(String expr) {
        Deque<Character> open = new ArrayDeque<>();
        int i = 0;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                int end = skipString(expr, i);
                if (end > expr.length()) {
                    return Optional.of("unclosed string at " + i);
                }
                i = end;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                open.push(c);
            } else if (c == ')' || c == ']' || c == '}') {
                char expected = c == ')' ? '(' : c == ']' ? '[' : '{';
                if (open.isEmpty() || open.pop() != expected) {
                    return Optional.of("unexpected '" + c + "' at " + i);
                }
            }
            i++;
        }
        return open.isEmpty() ? Optional.empty() : Optional.of("unclosed '" + open.peek() + "'");
    }

    /** Index after the string starting at {@code start}; past the end when it is not closed. */
    private static int skipString(String expr, int start) {
        char quote = expr.charAt(start);
        int i = start + 1;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (c == '\\' && quote != '`') {
                i += 2;
            } else if (c == quote) {
                return i + 1;
            } else {
                i++;
            }
        }
        return expr.length() + 1;
    }

    /** Index after the bracketed group opening at {@code start}, strings inside it skipped. */
    private static int skipGroup(String expr, int start) {
        int depth = 0;
        int i = start;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(expr, i);
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && --depth == 0) {
                return i + 1;
            }
            i++;
        }
        return expr.length();
    }

    private static int skipComment(String expr, int start) {
        int end = expr.indexOf('\n', start);
        return end < 0 ? expr.length() : end + 1;
    }

    /** Grafana variables: {@code $name} or {@code ${name}} / {@code ${name:format}}. */
    private static int skipVariable(String expr, int start) {
        if (start < expr.length() && expr.charAt(start) == '{') {
            int end = expr.indexOf('}', start);
            return end < 0 ? expr.length() : end + 1;
        }
        return skipWhile(expr, start, PromQl::isIdentifierPart);
    }

    private static int skipWhitespace(String expr, int start) {
        return skipWhile(expr, start, Character::isWhitespace);
    }

    private static int skipWhile(String expr, int start, CharTest test) {
        int i = start;
        while (i < expr.length() && test.matches(expr.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isIdentifierStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    }

    private static boolean isIdentifierPart(char c) {
        return isIdentifierStart(c) || (c >= '0' && c <= '9');
    }

    @FunctionalInterface
    private interface CharTest {
        boolean matches(char c);
    }
}
