package io.taskstream.devstack.observability;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What {@link PromQl} counts as a metric name, and which brackets it finds unbalanced. */
class PromQlTest {

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            up                                                                                   | up
            rate(tasks_completed_total[5m])                                                      | tasks_completed_total
            `sum by (type, priority) (rate(tasks_failed_total{tenant="a", type=~"x|y"}[$__rate_interval]))` | tasks_failed_total
            sum(rate(x_total[5m])) without (instance)                                            | x_total
            histogram_quantile(0.95, sum by (le) (rate(task_duration_seconds_bucket[5m])))      | task_duration_seconds_bucket
            worker_slots_busy / on (instance) group_left (version) worker_pool_size             | worker_pool_size,worker_slots_busy
            a_total offset 5m > bool 1e3 and ignoring (job) b unless c                           | a_total,b,c
            count(circuit_breaker_state{state!="closed"} == 1) or vector(0)                       | circuit_breaker_state
            max_over_time(queue_depth[1h:5m] @ end()) - 0x1F                                     | queue_depth
            label_replace(q, "dst", "$1 sum(x)", "src", "(.*)")                                  | q
            sum(${metric_prefix}tasks_submitted_total{job="$job"}) # total rate(comment_only)   | tasks_submitted_total
            job:tasks_completed:rate5m > 0                                                       | job:tasks_completed:rate5m
            """)
    void findsTheMetricNamesAnExpressionSelects(String expr, String names) {
        assertThat(PromQl.metricNames(expr)).containsExactlyInAnyOrder(names.split(","));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            sum(rate(x[5m])               | unclosed '('
            rate(x[5m)]                   | unexpected ')' at 9
            x{a="b"}}                     | unexpected '}' at 8
            x{a="b}                       | unclosed string at 4
            """)
    void findsUnbalancedBrackets(String expr, String problem) {
        assertThat(PromQl.unbalanced(expr)).contains(problem);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            sum by (le) (rate(x_bucket{le!="+Inf", a=")"}[5m]))
            label_replace(q, "dst", "$1", "src", "(.*")
            """)
    void bracketsInsideStringsDoNotCount(String expr) {
        assertThat(PromQl.unbalanced(expr)).isEmpty();
    }
}
