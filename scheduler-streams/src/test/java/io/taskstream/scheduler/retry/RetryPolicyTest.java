package io.taskstream.scheduler.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import java.util.UUID;
import java.util.random.RandomGenerator;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.taskstream.schemas.Backoff;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.TaskSubmission;

/**
 * The retry backoff, as a table: the wait after each failed attempt with the lowest, the middle
 * and the highest jitter draw. Doubles as the documentation of the default (1 s × 2 up to 5 min,
 * ± 20 %).
 */
class RetryPolicyTest {

    static final TaskSubmission TASK = task(null);

    @ParameterizedTest(name = "after attempt {0}: {1} ms, between {2} and {3} ms")
    @CsvSource(textBlock = """
            # attempt, base ms, lowest draw, highest draw
               1,      1000,     800,       1200
               2,      2000,    1600,       2400
               3,      4000,    3200,       4800
               4,      8000,    6400,       9600
               8,    128000,  102400,     153600
               9,    256000,  204800,     307200
              10,    300000,  240000,     360000
              49,    300000,  240000,     360000
            """)
    void defaultBackoffDoublesFromOneSecondUpToFiveMinutesWithTwentyPercentJitter(int attempt, long baseMs,
                                                                                 long lowestMs, long highestMs) {
        assertThat(delay(Backoff.DEFAULT, attempt, draw(0.0))).isEqualTo(Duration.ofMillis(lowestMs));
        assertThat(delay(Backoff.DEFAULT, attempt, draw(0.5))).isEqualTo(Duration.ofMillis(baseMs));
        assertThat(delay(Backoff.DEFAULT, attempt, draw(Math.nextDown(1.0)))).isEqualTo(Duration.ofMillis(highestMs));
    }

    @ParameterizedTest(name = "attempt {0} with a seeded generator stays within {1}..{2} ms")
    @CsvSource({"1, 800, 1200", "2, 1600, 2400", "5, 12800, 19200", "12, 240000, 360000"})
    void seededJitterStaysWithinItsBoundsAndUsesThem(int attempt, long lowestMs, long highestMs) {
        RetryPolicy policy = RetryPolicy.backoff(Backoff.DEFAULT, new Random(42));
        long below = 0;
        long above = 0;
        long middle = (lowestMs + highestMs) / 2;
        for (int i = 0; i < 1_000; i++) {
            long ms = policy.nextDelay(TASK, attempt).toMillis();
            assertThat(ms).isBetween(lowestMs, highestMs);
            below += ms < middle ? 1 : 0;
            above += ms > middle ? 1 : 0;
        }
        assertThat(below).as("jitter spreads both ways").isGreaterThan(300);
        assertThat(above).as("jitter spreads both ways").isGreaterThan(300);
    }

    @ParameterizedTest(name = "after attempt {0}: {1} ms")
    @CsvSource({"1, 10000", "2, 30000", "3, 60000", "4, 60000"})
    void aTasksOwnBackoffWinsOverTheDefault(int attempt, long expectedMs) {
        TaskSubmission own = task(new Backoff(Duration.ofSeconds(10), 3.0, Duration.ofMinutes(1), 0.0));
        RetryPolicy policy = RetryPolicy.backoff(Backoff.DEFAULT, new Random(1));

        assertThat(policy.nextDelay(own, attempt)).isEqualTo(Duration.ofMillis(expectedMs));
    }

    @ParameterizedTest(name = "after attempt {0}: {1} ms")
    @CsvSource({"1, 5000", "2, 5000", "3, 5000"})
    void theDeploymentsDefaultAppliesToTasksWithoutTheirOwn(int attempt, long expectedMs) {
        Backoff deployment = new Backoff(Duration.ofSeconds(5), 1.0, Duration.ofSeconds(5), 0.0);

        assertThat(RetryPolicy.backoff(deployment, new Random(1)).nextDelay(TASK, attempt))
                .isEqualTo(Duration.ofMillis(expectedMs));
    }

    private static Duration delay(Backoff backoff, int attempt, RandomGenerator random) {
        return RetryPolicy.backoff(backoff, random).nextDelay(TASK, attempt);
    }

    /** A generator whose every draw is {@code unit} (in [0, 1)). */
    private static RandomGenerator draw(double unit) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public double nextDouble() {
                return unit;
            }
        };
    }

    private static TaskSubmission task(Backoff backoff) {
        return new TaskSubmission(UUID.randomUUID(), "acme", "email.send", Json.mapper().createObjectNode(), null,
                null, null, null, null, backoff, null, null, null, null, null, null);
    }
}
