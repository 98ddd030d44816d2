package io.taskstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.taskstream.schemas.CronSchedule.InvalidCronException;

class CronScheduleTest {

    /** "Now" for every parse: past years are judged against it, never against the system clock. */
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC);
    private static final Instant NEW_YEAR_2027 = Instant.parse("2027-01-01T00:00:00Z");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    private static CronSchedule parse(String cron, String timezone) {
        return CronSchedule.parse(cron, timezone, CronSchedule.DEFAULT_MIN_INTERVAL, NOW);
    }

    private static Violation violationOf(String cron, String timezone, Duration minInterval) {
        try {
            CronSchedule.parse(cron, timezone, minInterval, NOW);
        } catch (InvalidCronException e) {
            return e.violation();
        }
        throw new AssertionError("accepted: " + cron);
    }

    /** Every fire time in (from, to], by repeated nextAfter. */
    private static List<Instant> firesBetween(CronSchedule schedule, Instant from, Instant to) {
        List<Instant> fires = new ArrayList<>();
        Optional<Instant> next = schedule.nextAfter(from);
        while (next.isPresent() && !next.get().isAfter(to)) {
            fires.add(next.get());
            next = schedule.nextAfter(next.get());
        }
        return fires;
    }

    // --- parsing -----------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} first fires at {1}")
    @CsvSource(delimiter = '|', value = {
            "0 2 * * *             | 2027-01-01T02:00:00Z",
            "*/15 9-17 * * MON-FRI | 2027-01-01T09:00:00Z",  // 2027-01-01 is a Friday
            "0 9 * * 1-5           | 2027-01-01T09:00:00Z",
            "0 2 * * 0             | 2027-01-03T02:00:00Z",
            "0 2 * * 7             | 2027-01-03T02:00:00Z",  // Sunday is 0 or 7
            "0 2 * * SUN           | 2027-01-03T02:00:00Z",
            "0 9 L * *             | 2027-01-31T09:00:00Z",
            "0 9 L-3 * ?           | 2027-01-28T09:00:00Z",
            "0 9 15W * *           | 2027-01-15T09:00:00Z",
            "0 9 LW * *            | 2027-01-29T09:00:00Z",  // the 31st is a Sunday
            "0 9 ? * 5#3           | 2027-01-15T09:00:00Z",  // Unix numbering: 5 is Friday
            "0 9 * * 5L            | 2027-01-29T09:00:00Z",
            "0 0 2 * * ?           | 2027-01-01T02:00:00Z",
            "0 15 10 L * ?         | 2027-01-31T10:15:00Z",
            "0 0 12 15W * ?        | 2027-01-15T12:00:00Z",
            "0 0 9 ? * 6#3         | 2027-01-15T09:00:00Z",  // Quartz numbering: 6 is Friday
            "0 0 9 ? * 6#3 2028    | 2028-01-21T09:00:00Z",
            "0 0 0 29 2 ?          | 2028-02-29T00:00:00Z",
    })
    void parsesUnixAndQuartzExpressionsByFieldCount(String cron, Instant first) {
        assertThat(parse(cron, "UTC").nextAfter(NEW_YEAR_2027)).contains(first);
    }

    @Test
    void unixDayFieldsMatchEitherWhenBothAreRestrictedAndBothOtherwise() {
        // Vixie cron: "1 * MON" is the 1st and every Monday; "*/2 * MON" is Mondays on odd days.
        assertThat(parse("0 9 1 * MON", "UTC").next(NEW_YEAR_2027, 3)).containsExactly(
                Instant.parse("2027-01-01T09:00:00Z"), Instant.parse("2027-01-04T09:00:00Z"),
                Instant.parse("2027-01-11T09:00:00Z"));
        assertThat(parse("0 9 */2 * MON", "UTC").next(NEW_YEAR_2027, 3)).containsExactly(
                Instant.parse("2027-01-11T09:00:00Z"), Instant.parse("2027-01-25T09:00:00Z"),
                Instant.parse("2027-02-01T09:00:00Z"));
    }

    @Test
    void nextFiveOfQuartzExpressionsWithLastNearestWeekdayAndNth() {
        assertThat(parse("0 15 10 L * ?", "Europe/Berlin").next(NEW_YEAR_2027, 5)).containsExactly(
                Instant.parse("2027-01-31T09:15:00Z"), Instant.parse("2027-02-28T09:15:00Z"),
                Instant.parse("2027-03-31T08:15:00Z"), Instant.parse("2027-04-30T08:15:00Z"),  // summer time
                Instant.parse("2027-05-31T08:15:00Z"));
        assertThat(parse("0 0 12 15W * ?", "UTC").next(NEW_YEAR_2027, 5)).containsExactly(
                Instant.parse("2027-01-15T12:00:00Z"), Instant.parse("2027-02-15T12:00:00Z"),
                Instant.parse("2027-03-15T12:00:00Z"), Instant.parse("2027-04-15T12:00:00Z"),
                Instant.parse("2027-05-14T12:00:00Z"));  // the 15th is a Saturday
        assertThat(parse("0 0 9 ? * 6#3", "UTC").next(NEW_YEAR_2027, 5)).containsExactly(
                Instant.parse("2027-01-15T09:00:00Z"), Instant.parse("2027-02-19T09:00:00Z"),
                Instant.parse("2027-03-19T09:00:00Z"), Instant.parse("2027-04-16T09:00:00Z"),
                Instant.parse("2027-05-21T09:00:00Z"));
    }

    @Test
    void keepsTheTrimmedExpressionAndTheZone() {
        CronSchedule schedule = parse("  0 2 * * *  ", " Europe/Berlin ");
        assertThat(schedule.expression()).isEqualTo("0 2 * * *");
        assertThat(schedule.zone()).isEqualTo(BERLIN);
        assertThat(schedule).hasToString("0 2 * * * (Europe/Berlin)");
    }

    @Test
    void noTimezoneMeansUtcAndNoMinIntervalMeansOneMinute() {
        assertThat(parse("0 2 * * *", null).zone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(parse("0 2 * * *", "  ").zone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(CronSchedule.parse("* * * * *", null, null, NOW).nextAfter(NEW_YEAR_2027))
                .contains(Instant.parse("2027-01-01T00:01:00Z"));
        assertThat(violationOf("*/30 * * * * ?", null, null).message()).endsWith("the shortest allowed interval is 1m");
    }

    @Test
    void theThreeArgumentParseReadsTheSameWay() {
        CronSchedule schedule = CronSchedule.parse("0 2 * * *", "Europe/Berlin", CronSchedule.DEFAULT_MIN_INTERVAL);
        assertThat(schedule.nextAfter(NEW_YEAR_2027)).contains(Instant.parse("2027-01-01T01:00:00Z"));
        assertThatThrownBy(() -> CronSchedule.parse("0 2 * *", null, CronSchedule.DEFAULT_MIN_INTERVAL))
                .isInstanceOf(InvalidCronException.class);
    }

    // --- errors ------------------------------------------------------------------------------------

    private static final String FIELD_COUNT = "expected 5 fields (minute hour day-of-month month day-of-week)"
            + " or 6-7 with seconds (second minute hour day-of-month month day-of-week [year]); got ";

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "garbage                  | " + FIELD_COUNT + "1",
            "0 2 * *                  | " + FIELD_COUNT + "4",
            "0 0 2 * * ? 2030 1       | " + FIELD_COUNT + "8",
            "61 2 * * *               | value 61 not in range [0, 59]",
            "0 24 * * *               | value 24 not in range [0, 23]",
            "0 2 * 13 *               | value 13 not in range [1, 12]",
            "0 9 * * 8                | value 8 not in range [0, 7]",
            "0 0 2 32 * ?             | value 32 not in range [1, 31]",
            "0 0 2 * * ? 2100         | value 2100 not in range [1970, 2099]",
            "0 9 5-1 * *              | invalid range! [5,1]",
            "*/ * * * *               | missing steps for expression: */",
            "0 0 2 * * ?x             | invalid chars in expression! Expression: ?X Invalid chars: X",
            "0 0 9 ? * 2#             | not a valid cron expression",
            "0 0 2 * * *              | with seconds (Quartz), one of day-of-month and day-of-week must be '?', e.g. \"0 0 2 * * ?\" or \"0 0 9 ? * MON\"",
            "0 9 ? * ?                | day-of-month and day-of-week cannot both be '?'",
            "0 9 L,15 * *             | day-of-month: L and W cannot be combined with other days in a list ('L,15')",
            "0 0 9 1W,15 * ?          | day-of-month: L and W cannot be combined with other days in a list ('1W,15')",
            "0 0 9 ? * 6#3,2          | day-of-week: L and # cannot be combined with other days in a list ('6#3,2')",
            "0 9 * * L                | day-of-week: 'L' alone is ambiguous; name the day (SAT) or the last such day of the month (5L is the last Friday)",
            "0 0 9 ? * L              | day-of-week: 'L' alone is ambiguous; name the day (SAT) or the last such day of the month (6L is the last Friday)",
            "0 0 9 31W * ?            | day-of-month: '31W' is not supported, not every month has that day; LW is the last weekday of the month",
            "0 0 30 2 *               | never fires: there is no such date after 2026-06-01T00:00:00Z (a day the month does not have, or a year in the past?)",
            "0 9 * * 5#6              | never fires: there is no such date after 2026-06-01T00:00:00Z (a day the month does not have, or a year in the past?)",
            "0 0 0 1 1 ? 2020         | never fires: there is no such date after 2026-06-01T00:00:00Z (a day the month does not have, or a year in the past?)",
    })
    void refusesABadExpressionSayingWhatIsWrong(String cron, String message) {
        assertThat(violationOf(cron, "UTC", CronSchedule.DEFAULT_MIN_INTERVAL)).isEqualTo(new Violation("cron", message));
    }

    @Test
    void refusesAMissingExpression() {
        assertThat(violationOf(null, null, null)).isEqualTo(new Violation("cron", "is required, e.g. \"0 2 * * *\""));
        assertThat(violationOf(" ", null, null)).isEqualTo(new Violation("cron", "is required, e.g. \"0 2 * * *\""));
    }

    @Test
    void refusesAnUnknownZone() {
        assertThatThrownBy(() -> CronSchedule.parse("0 2 * * *", "Mars/Olympus_Mons", null, NOW))
                .isInstanceOf(InvalidCronException.class)
                .hasMessage("timezone: unknown time zone 'Mars/Olympus_Mons'; use an IANA id such as Europe/Berlin")
                .extracting(e -> ((InvalidCronException) e).violation().field()).isEqualTo("timezone");
        assertThat(violationOf("0 2 * * *", "not a zone!", null).field()).isEqualTo("timezone");
    }

    @ParameterizedTest(name = "{0} with at least {1} between fire times: {2}")
    @CsvSource(delimiter = '|', value = {
            "*/30 * * * * ?   | PT1M  | fires 30s apart (at 00:00 and 00:00:30); the shortest allowed interval is 1m",
            "* * * * * ?      | PT1M  | fires 1s apart (at 00:00 and 00:00:01); the shortest allowed interval is 1m",
            "0,1 0 * * *      | PT2M  | fires 1m apart (at 00:00 and 00:01); the shortest allowed interval is 2m",
            "0 0,1 * * *      | PT2H  | fires 1h apart (at 00:00 and 01:00); the shortest allowed interval is 2h",
            "0 0 0 1/30 * ?   | P2D   | fires 1d apart (at 2000-01-31T00:00 and 2000-02-01T00:00); the shortest allowed interval is 2d",
            "30 23 * * *      | P1DT1H30M5S | fires 1d apart (at 2000-01-01T23:30 and 2000-01-02T23:30); the shortest allowed interval is 1d1h30m5s",
            "*/5 * * * * ?    | PT5.5S | fires 5s apart (at 00:00 and 00:00:05); the shortest allowed interval is 5.5s",
            "* * * * * ?      | PT1.5S | fires 1s apart (at 00:00 and 00:00:01); the shortest allowed interval is 1.5s",
    })
    void refusesFireTimesCloserThanTheMinimumInterval(String cron, Duration minInterval, String message) {
        assertThat(violationOf(cron, "Europe/Berlin", minInterval)).isEqualTo(new Violation("cron", message));
    }

    @ParameterizedTest(name = "{0} with at least {1} between fire times")
    @CsvSource(delimiter = '|', value = {
            "*/30 * * * * ? | PT10S",
            "*/30 * * * * ? | PT30S",
            "* * * * *      | PT1M",
            "0,1 0 * * *    | PT1M",
            "0 0,1 * * *    | PT1H",
            "* * * * * ?    | PT0S",   // zero turns the check off
            "0 0 0 1/30 * ? | P1D",
            "0 9 * 2 5#5    | P365D",  // the fifth Friday of February: once in 28 years
    })
    void acceptsFireTimesAtLeastTheMinimumIntervalApart(String cron, Duration minInterval) {
        assertThat(CronSchedule.parse(cron, "Europe/Berlin", minInterval, NOW).nextAfter(NEW_YEAR_2027)).isPresent();
    }

    @Test
    void theExceptionCarriesItsViolation() {
        assertThatThrownBy(() -> CronSchedule.parse("0 2 * *", null, null, NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cron: expected 5 fields");
    }

    // --- description -------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} reads \"{1}\"")
    @CsvSource(delimiter = '|', value = {
            "0 2 * * *             | at 02:00",
            "0 0 2 * * ?           | at 02:00",
            "* * * * *             | every minute",
            "0/30 * * * * ?        | every 30 seconds",
            "*/15 9-17 * * MON-FRI | every 15 minutes every hour between 9 and 17 every day between Monday and Friday",
            "0 15 10 L * ?         | at 10:15 last day of month",
            "0 9 LW * *            | at 09:00 last weekday of month",
            "0 0 12 15W * ?        | at 12:00 the nearest weekday to the 15 of the month",
            "0 0 9 ? * 6#3         | at 09:00 on the third Friday of every month",
            "0 9 * * 1#1           | at 09:00 on the first Monday of every month",
            "0 0 9 ? * 6#3 2028    | at 09:00 on the third Friday of every month in 2028",
            "0 9 * * 5L            | at 09:00 last Friday of every month",
    })
    void describesTheExpressionInEnglish(String cron, String description) {
        assertThat(CronSchedule.parse(cron, "Europe/Berlin", Duration.ZERO, NOW).description()).isEqualTo(description);
    }

    // --- daylight saving ---------------------------------------------------------------------------

    /**
     * From three days before to three days after a transition day: one fire on each local day, at the
     * given local time except on the transition day, where it fires at {@code onTheDay}.
     */
    @ParameterizedTest(name = "{0} in {1} on {2}: {3}")
    @CsvSource(delimiter = '|', value = {
            // Berlin springs forward on 2027-03-28 at 02:00 CET (01:00Z) to 03:00 CEST
            "0 2 * * *  | Europe/Berlin    | 2027-03-28 | 2027-03-28T01:00:00Z",
            "30 2 * * * | Europe/Berlin    | 2027-03-28 | 2027-03-28T01:00:00Z",
            "0 3 * * *  | Europe/Berlin    | 2027-03-28 | 2027-03-28T01:00:00Z",
            "30 1 * * * | Europe/Berlin    | 2027-03-28 | 2027-03-28T00:30:00Z",
            // ... and falls back on 2027-10-31 at 03:00 CEST (01:00Z) to 02:00 CET: 02:00-02:59 twice
            "0 2 * * *  | Europe/Berlin    | 2027-10-31 | 2027-10-31T00:00:00Z",
            "30 2 * * * | Europe/Berlin    | 2027-10-31 | 2027-10-31T00:30:00Z",
            "0 3 * * *  | Europe/Berlin    | 2027-10-31 | 2027-10-31T02:00:00Z",
            // New York springs forward on 2027-03-14 at 02:00 EST (07:00Z) to 03:00 EDT
            "0 2 * * *  | America/New_York | 2027-03-14 | 2027-03-14T07:00:00Z",
            "30 2 * * * | America/New_York | 2027-03-14 | 2027-03-14T07:00:00Z",
            // ... and falls back on 2027-11-07 at 02:00 EDT (06:00Z) to 01:00 EST: 01:00-01:59 twice
            "0 2 * * *  | America/New_York | 2027-11-07 | 2027-11-07T07:00:00Z",
            "30 2 * * * | America/New_York | 2027-11-07 | 2027-11-07T07:30:00Z",
            "0 1 * * *  | America/New_York | 2027-11-07 | 2027-11-07T05:00:00Z",
            "30 1 * * * | America/New_York | 2027-11-07 | 2027-11-07T05:30:00Z",
    })
    void firesOncePerLocalDayAcrossATransition(String cron, ZoneId zone, LocalDate transitionDay, Instant onTheDay) {
        CronSchedule schedule = parse(cron, zone.getId());
        LocalTime at = LocalTime.of(Integer.parseInt(cron.split(" ")[1]), Integer.parseInt(cron.split(" ")[0]));
        Instant from = transitionDay.minusDays(3).atStartOfDay(zone).toInstant();
        Instant to = transitionDay.plusDays(4).atStartOfDay(zone).toInstant();

        List<Instant> fires = firesBetween(schedule, from, to);

        List<Instant> expected = new ArrayList<>();
        for (LocalDate day = transitionDay.minusDays(3); day.isBefore(transitionDay.plusDays(4)); day = day.plusDays(1)) {
            expected.add(day.equals(transitionDay) ? onTheDay : day.atTime(at).atZone(zone).toInstant());
        }
        assertThat(fires).containsExactlyElementsOf(expected);
    }

    /**
     * The rule spelled out by brute force over all of 2027: every local half hour resolved in the zone
     * (a skipped one to the end of its gap, a repeated one to its first occurrence), each instant once.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"})
    void fireTimesOfAWholeYearAreTheResolvedLocalMatches(ZoneId zone) {
        CronSchedule schedule = parse("*/30 * * * *", zone.getId());
        TreeSet<Instant> expected = new TreeSet<>();
        for (LocalDateTime local = LocalDateTime.parse("2027-01-01T00:30"); local.getYear() == 2027; local = local.plusMinutes(30)) {
            ZoneOffsetTransition transition = zone.getRules().getTransition(local);
            expected.add(transition == null ? local.atZone(zone).toInstant()
                    : transition.isGap() ? transition.getInstant() : local.toInstant(transition.getOffsetBefore()));
        }
        Instant from = LocalDateTime.parse("2027-01-01T00:00").atZone(zone).toInstant();
        Instant to = LocalDateTime.parse("2027-12-31T23:59").atZone(zone).toInstant();

        assertThat(firesBetween(schedule, from, to)).containsExactlyElementsOf(expected);
    }

    @Test
    void everyQuarterHourThroughFallBackFiresEachLocalTimeOnce() {
        CronSchedule schedule = parse("*/15 * * * *", "Europe/Berlin");
        List<Instant> fires = firesBetween(schedule, Instant.parse("2027-10-30T22:00:00Z"),  // 00:00 CEST
                Instant.parse("2027-10-31T04:00:00Z"));                                       // 05:00 CET

        List<LocalDateTime> localTimes = fires.stream().map(time -> LocalDateTime.ofInstant(time, BERLIN)).toList();
        List<LocalDateTime> everyQuarter = new ArrayList<>();
        for (LocalDateTime t = LocalDateTime.parse("2027-10-31T00:15"); !t.isAfter(LocalDateTime.parse("2027-10-31T05:00"));
                t = t.plusMinutes(15)) {
            everyQuarter.add(t);
        }
        assertThat(localTimes).containsExactlyElementsOf(everyQuarter);
        // 02:45 fired in summer time; the next is 03:00 winter time, 75 minutes later
        assertThat(fires).containsSubsequence(Instant.parse("2027-10-31T00:45:00Z"), Instant.parse("2027-10-31T02:00:00Z"));
    }

    @Test
    void everyQuarterHourThroughSpringForwardFiresOnceAtTheEndOfTheGap() {
        CronSchedule schedule = parse("*/15 * * * *", "Europe/Berlin");
        assertThat(firesBetween(schedule, Instant.parse("2027-03-28T00:30:00Z"), Instant.parse("2027-03-28T01:30:00Z")))
                .containsExactly(Instant.parse("2027-03-28T00:45:00Z"),   // 01:45 CET
                        Instant.parse("2027-03-28T01:00:00Z"),            // 02:00-02:45 do not exist: once, at 03:00 CEST
                        Instant.parse("2027-03-28T01:15:00Z"),
                        Instant.parse("2027-03-28T01:30:00Z"));
    }

    @Test
    void localTimesInTheSpringForwardGapCollapseIntoOneFireTime() {
        Instant before = Instant.parse("2027-03-27T12:00:00Z");
        Instant after = Instant.parse("2027-03-28T12:00:00Z");
        assertThat(firesBetween(parse("*/15 2 * * *", "Europe/Berlin"), before, after))
                .containsExactly(Instant.parse("2027-03-28T01:00:00Z"));
        assertThat(firesBetween(parse("0 2,3 * * *", "Europe/Berlin"), before, after))
                .containsExactly(Instant.parse("2027-03-28T01:00:00Z"));
    }

    @Test
    void nextAfterAnInstantInTheRepeatedHourIsAfterIt() {
        CronSchedule quarterly = parse("*/15 * * * *", "Europe/Berlin");
        // first pass (02:20 CEST): the next quarter of the first pass
        assertThat(quarterly.nextAfter(Instant.parse("2027-10-31T00:20:00Z"))).contains(Instant.parse("2027-10-31T00:30:00Z"));
        // second pass (02:20 CET, and the transition itself, 02:00 CET): those local times fired already
        assertThat(quarterly.nextAfter(Instant.parse("2027-10-31T01:20:00Z"))).contains(Instant.parse("2027-10-31T02:00:00Z"));
        assertThat(quarterly.nextAfter(Instant.parse("2027-10-31T01:00:00Z"))).contains(Instant.parse("2027-10-31T02:00:00Z"));
        assertThat(quarterly.nextAfter(Instant.parse("2027-10-31T01:59:59.999Z"))).contains(Instant.parse("2027-10-31T02:00:00Z"));

        assertThat(parse("30 2 * * *", "Europe/Berlin").nextAfter(Instant.parse("2027-10-31T01:10:00Z")))
                .contains(Instant.parse("2027-11-01T01:30:00Z"));
        assertThat(parse("30 1 * * *", "America/New_York").nextAfter(Instant.parse("2027-11-07T06:10:00Z")))
                .contains(Instant.parse("2027-11-08T06:30:00Z"));
    }

    @Test
    void nextAfterIsStrictlyAfterEvenWithinASecond() {
        CronSchedule schedule = parse("0 2 * * *", "UTC");
        assertThat(schedule.nextAfter(Instant.parse("2027-01-01T02:00:00Z"))).contains(Instant.parse("2027-01-02T02:00:00Z"));
        assertThat(schedule.nextAfter(Instant.parse("2027-01-01T01:59:59.999Z"))).contains(Instant.parse("2027-01-01T02:00:00Z"));
        assertThat(schedule.nextAfter(Instant.parse("2027-01-01T02:00:00.001Z"))).contains(Instant.parse("2027-01-02T02:00:00Z"));
    }

    @Test
    void aScheduleRunsOutAfterItsLastYear() {
        CronSchedule schedule = parse("0 0 0 1 1,7 ? 2027", "UTC");
        assertThat(schedule.next(NOW.instant(), 5)).containsExactly(NEW_YEAR_2027, Instant.parse("2027-07-01T00:00:00Z"));
        assertThat(schedule.nextAfter(Instant.parse("2027-07-01T00:00:00Z"))).isEmpty();
        assertThat(schedule.latestBetween(Instant.parse("2027-07-01T00:00:00Z"), Instant.parse("2030-01-01T00:00:00Z"))).isEmpty();
        assertThat(schedule.next(NOW.instant(), 0)).isEmpty();
    }

    // --- latestBetween -----------------------------------------------------------------------------

    @Test
    void latestBetweenIsEmptyForAnEmptyRangeOrOneWithoutFireTimes() {
        CronSchedule daily = parse("0 2 * * *", "UTC");
        Instant fire = Instant.parse("2027-01-01T02:00:00Z");
        assertThat(daily.latestBetween(fire, fire)).isEmpty();
        assertThat(daily.latestBetween(fire.plusSeconds(60), fire)).isEmpty();
        assertThat(daily.latestBetween(fire, fire.plus(Duration.ofHours(23)))).isEmpty();
        assertThat(daily.latestBetween(fire.minusSeconds(1), fire)).contains(fire);                 // at or before: inclusive
        assertThat(daily.latestBetween(fire, fire.plus(Duration.ofDays(1)))).contains(fire.plus(Duration.ofDays(1)));
    }

    @Test
    void latestBetweenFindsTheLastFireTimeAfterALongOutage() {
        assertThat(parse("* * * * *", "Europe/Berlin").latestBetween(NEW_YEAR_2027, Instant.parse("2027-01-04T03:17:42Z")))
                .contains(Instant.parse("2027-01-04T03:17:00Z"));
        assertThat(parse("0 2 * * *", "Europe/Berlin").latestBetween(NEW_YEAR_2027, Instant.parse("2029-06-09T23:30:00Z")))
                .contains(Instant.parse("2029-06-09T00:00:00Z"));
        assertThat(parse("0 0 9 ? * 6#3", "UTC").latestBetween(Instant.parse("2020-01-01T00:00:00Z"), Instant.parse("2027-05-01T00:00:00Z")))
                .contains(Instant.parse("2027-04-16T09:00:00Z"));
        assertThat(parse("30 2 * * *", "Europe/Berlin").latestBetween(Instant.parse("2027-10-30T12:00:00Z"),
                Instant.parse("2027-10-31T01:30:00Z"))).contains(Instant.parse("2027-10-31T00:30:00Z"));
        assertThat(parse("30 2 * * *", "Europe/Berlin").latestBetween(Instant.parse("2027-03-27T12:00:00Z"),
                Instant.parse("2027-03-28T01:00:00Z"))).contains(Instant.parse("2027-03-28T01:00:00Z"));
    }

    /**
     * For random ranges (many on transition days): latestBetween is a fire time of nextAfter's, in the
     * range, with no later one in the range; or it is empty and nextAfter finds none in the range.
     */
    @ParameterizedTest(name = "{0} in {1}")
    @CsvSource(delimiter = '|', value = {
            "* * * * *         | Europe/Berlin",
            "*/15 2 * * *      | Europe/Berlin",
            "0 2,3 * * *       | Europe/Berlin",
            "30 2 * * *        | Europe/Berlin",
            "30 1 * * *        | America/New_York",
            "*/20 * * * * ?    | America/New_York",
            "0 0 12 15W * ?    | UTC",
            "0 9 ? * 5#3       | America/New_York",
            "0 0 0 1 1 ? 2027  | Europe/Berlin",
    })
    void latestBetweenAgreesWithNextAfter(String cron, ZoneId zone) {
        CronSchedule schedule = CronSchedule.parse(cron, zone.getId(), Duration.ofSeconds(10), NOW);
        List<Instant> transitions = List.of(Instant.parse("2027-03-14T07:00:00Z"), Instant.parse("2027-03-28T01:00:00Z"),
                Instant.parse("2027-10-31T01:00:00Z"), Instant.parse("2027-11-07T06:00:00Z"));
        Random random = new Random(cron.hashCode());
        long[] spans = {1, 60, 900, 3_600, 7_200, 86_400, 3 * 86_400, 40 * 86_400, 400 * 86_400};
        for (int i = 0; i < 300; i++) {
            Instant around = i % 2 == 0 ? transitions.get(random.nextInt(transitions.size()))
                    : NEW_YEAR_2027.plusSeconds(random.nextLong(365 * 86_400L));
            Instant after = around.plusSeconds(random.nextLong(-2 * 86_400, 2 * 86_400))
                    .plusMillis(random.nextInt(3) == 0 ? random.nextInt(1000) : 0);
            Instant atOrBefore = after.plusSeconds(random.nextLong(spans[random.nextInt(spans.length)]));

            Optional<Instant> latest = schedule.latestBetween(after, atOrBefore);

            if (latest.isPresent()) {
                Instant fire = latest.get();
                assertThat(fire).isAfter(after).isBeforeOrEqualTo(atOrBefore);
                assertThat(schedule.nextAfter(fire.minusNanos(1))).as("a fire time").contains(fire);
                assertThat(schedule.nextAfter(fire).filter(next -> !next.isAfter(atOrBefore))).as("none later in range").isEmpty();
            } else {
                assertThat(schedule.nextAfter(after).filter(next -> !next.isAfter(atOrBefore)))
                        .as("no fire time in (%s, %s]", after, atOrBefore).isEmpty();
            }
        }
    }

    @Test
    void latestBetweenMatchesEveryFireTimeOfADstDay() {
        CronSchedule schedule = parse("*/15 * * * *", "Europe/Berlin");
        Instant from = Instant.parse("2027-10-30T23:00:00Z");
        Instant to = Instant.parse("2027-10-31T03:00:00Z");
        List<Instant> fires = firesBetween(schedule, from, to);
        for (Instant t = from; t.isBefore(to); t = t.plusSeconds(7 * 60 + 30)) {
            Instant end = t;
            Optional<Instant> expected = fires.stream().filter(f -> f.isAfter(from) && !f.isAfter(end)).reduce((a, b) -> b);
            assertThat(schedule.latestBetween(from, t)).as("up to %s", t).isEqualTo(expected);
        }
    }

    // --- helpers -----------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({"PT0.5S, 500ms", "PT1.25S, 1.25s", "PT30S, 30s", "PT1M0.5S, 1m0.5s", "PT1M, 1m", "PT1M5S, 1m5s", "PT1H30M, 1h30m", "P2DT3H, 2d3h"})
    void durationsAreWrittenAsPeopleWriteThem(Duration duration, String text) {
        assertThat(CronSchedule.format(duration)).isEqualTo(text);
    }
}
