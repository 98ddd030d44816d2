package io.taskstream.schemas;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.field.definition.FieldDayOfWeekDefinitionBuilder;
import com.cronutils.model.field.definition.FieldSpecialCharsDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

/**
 * A schedule's cron expression in its time zone: what the API validates and previews and what the
 * scheduler fires, so both read a schedule the same way.
 *
 * <h2>Dialects</h2>
 * The field count picks the dialect. Five fields are Unix cron ({@code minute hour day-of-month month
 * day-of-week}, Sunday is 0 or 7), extended with Quartz's {@code ?}, {@code L}, {@code W}, {@code LW},
 * {@code L-n} (day of month) and {@code L}, {@code #} (day of week: {@code 5L} is the last Friday,
 * {@code 5#3} the third). Day of month and day of week combine as in Vixie cron: when both are
 * restricted (neither starts with {@code *} nor is {@code ?}) a day matching either fires, otherwise
 * both must match. Six or seven fields are Quartz ({@code second minute hour day-of-month month
 * day-of-week [year]}, Sunday is 1, exactly one of the two day fields is {@code ?}).
 * Parsing and matching are cron-utils'; three of its weak spots are refused with a clear message
 * instead of firing wrongly: {@code L}, {@code W} or {@code #} inside a list ({@code L,15}: it drops the
 * {@code L}), {@code L} alone in day of week, and {@code 29W}–{@code 31W} (it fails in shorter months).
 *
 * <h2>Fire times and daylight saving</h2>
 * The expression is matched against <em>local</em> date-times (cron-utils runs on a zone without
 * transitions), and each local match is then resolved in the real zone:
 * <ul>
 *   <li>a local time that does not exist (spring forward) resolves to the first instant after the
 *       gap, the transition itself: {@code 30 2 * * *} in Berlin on 2027-03-28 fires at 03:00 CEST;</li>
 *   <li>a local time that occurs twice (fall back) resolves to its first occurrence only;</li>
 *   <li>matches that resolve to the same instant are one fire time (<code>*&#47;15 2 * * *</code> fires
 *       once, at 03:00, on a spring-forward day).</li>
 * </ul>
 * Resolution never moves a later local time before an earlier one, so fire times keep the order of
 * their local matches: {@link #nextAfter} resolves the first local match after the given instant's
 * local time (after the whole repeated hour when the instant lies in its second pass), and
 * {@link #latestBetween} bisects with {@code nextAfter}, so the two always agree. We do not hand the
 * zone to cron-utils: its own daylight-saving handling is not this rule (it can fire twice in the
 * repeated hour) and has had bugs.
 *
 * <h2>Validation</h2>
 * An expression is refused ({@link InvalidCronException}, field {@code cron}) when it does not parse,
 * when it has no fire time after now (30 February, a past year), or when two consecutive fire times
 * are closer than the minimum interval. The interval is judged on the first {@value #SAMPLED_FIRE_TIMES}
 * local fire times from 2000-01-01T00:00, over at most {@value #SAMPLED_YEARS} years: deterministic, and
 * enough to meet the gaps within a day and a few years of day patterns; daylight saving is ignored there.
 * Parsing therefore costs a few milliseconds; pass a zero interval to skip the check. An unknown zone is
 * refused on field {@code timezone}. Instances are immutable and thread-safe.
 */
public final class CronSchedule {

    /** The default shortest interval between two fire times. */
    public static final Duration DEFAULT_MIN_INTERVAL = Duration.ofMinutes(1);

    /** How many local fire times the minimum-interval check looks at. */
    static final int SAMPLED_FIRE_TIMES = 500;

    /** How many years after the first local fire time the minimum-interval check looks at, at most. */
    static final int SAMPLED_YEARS = 4;

    private static final LocalDateTime SAMPLE_START = LocalDateTime.of(2000, 1, 1, 0, 0);
    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final String FIELD_COUNT_HINT = "expected 5 fields (minute hour day-of-month month day-of-week)"
            + " or 6-7 with seconds (second minute hour day-of-month month day-of-week [year])";
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern LATE_NEAREST_WEEKDAY = Pattern.compile("(\\d+)W");
    private static final Pattern NTH_WEEKDAY = Pattern.compile("(\\w+day) ([1-5]) of every month");

    // Unix with Quartz's specials. cron-utils ORs the two day fields when '?' is not supported and ANDs
    // them when it is, so the Vixie rule is a choice between these two definitions.
    private static final CronParser UNIX_EITHER_DAY = new CronParser(unix(false));
    private static final CronParser UNIX_BOTH_DAYS = new CronParser(unix(true));
    private static final CronParser QUARTZ = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));
    private static final CronDescriptor DESCRIPTOR = CronDescriptor.instance(Locale.UK);

    private final String expression;
    private final ZoneId zone;
    private final ExecutionTime localTimes;
    private final String description;

    /** A cron expression or time zone that cannot be used; {@link #violation()} names the field and the reason. */
    public static final class InvalidCronException extends IllegalArgumentException {
        private final transient Violation violation;

        public InvalidCronException(Violation violation) {
            super(violation.toString());
            this.violation = violation;
        }

        public Violation violation() {
            return violation;
        }
    }

    private CronSchedule(String expression, ZoneId zone, ExecutionTime localTimes, String description) {
        this.expression = expression;
        this.zone = zone;
        this.localTimes = localTimes;
        this.description = description;
    }

    /**
     * Parses {@code cron} (Unix 5 fields, or Quartz 6/7 fields with seconds) in time zone {@code timezone}
     * (an IANA id; null means UTC).
     *
     * @throws InvalidCronException field {@code cron}: not an expression, or fire times closer than
     *                              {@code minInterval}; field {@code timezone}: an unknown zone
     */
    public static CronSchedule parse(String cron, String timezone, Duration minInterval) {
        return parse(cron, timezone, minInterval, Clock.systemUTC());
    }

    /**
     * As {@link #parse(String, String, Duration)}, with "now" taken from {@code clock}: an expression
     * without a fire time after now (a past year) is refused. A schedule valid today can therefore be
     * refused later, once its last year has passed.
     *
     * @param minInterval the shortest allowed gap between fire times; null means {@link #DEFAULT_MIN_INTERVAL},
     *                    zero or negative turns the check off
     */
    public static CronSchedule parse(String cron, String timezone, Duration minInterval, Clock clock) {
        Objects.requireNonNull(clock, "clock");
        if (cron == null || cron.isBlank()) {
            throw invalid("cron", "is required, e.g. \"0 2 * * *\"");
        }
        String expression = cron.strip();
        Cron parsed = parseExpression(expression);
        ZoneId zone = zone(timezone);
        ExecutionTime localTimes = ExecutionTime.forCron(parsed);
        CronSchedule schedule = new CronSchedule(expression, zone, localTimes, describe(parsed));
        Duration shortest = Objects.requireNonNullElse(minInterval, DEFAULT_MIN_INTERVAL);
        try {
            if (schedule.nextAfter(clock.instant()).isEmpty()) {
                throw invalid("cron", "never fires: there is no such date after " + clock.instant()
                        + " (a day the month does not have, or a year in the past?)");
            }
            if (shortest.isPositive()) {
                schedule.checkInterval(shortest);
            }
        } catch (DateTimeException e) {
            // cron-utils builds dates that do not exist for some day-of-month forms (31W in February);
            // the known ones are refused above, any other is refused here rather than at fire time.
            throw invalid("cron", "cannot be evaluated: " + e.getMessage());
        }
        return schedule;
    }

    public String expression() {
        return expression;
    }

    public ZoneId zone() {
        return zone;
    }

    /** Human readable, in English, e.g. "at 02:00". */
    public String description() {
        return description;
    }

    /** The first fire time strictly after {@code after}; empty when there is none (a past year). */
    public Optional<Instant> nextAfter(Instant after) {
        ZoneRules rules = zone.getRules();
        LocalDateTime local = LocalDateTime.ofInstant(after, zone);
        ZoneOffsetTransition overlap = rules.getTransition(local);
        LocalDateTime searchAfter;
        if (overlap != null && overlap.isOverlap() && !after.isBefore(overlap.getInstant())) {
            // The second pass of a repeated hour: its local times already fired in the first pass.
            searchAfter = overlap.getDateTimeBefore().minusSeconds(1);
        } else {
            searchAfter = local.truncatedTo(ChronoUnit.SECONDS);
        }
        return nextLocalMatch(searchAfter).map(this::resolve);
    }

    /** The latest fire time at or before {@code atOrBefore} and strictly after {@code after}; empty if none. */
    public Optional<Instant> latestBetween(Instant after, Instant atOrBefore) {
        if (!after.isBefore(atOrBefore) || !firesBy(after, atOrBefore)) {
            return Optional.empty();
        }
        // Widen (atOrBefore - step, atOrBefore] until it holds a fire time, then bisect: invariant
        // "a fire time in (low, atOrBefore]" and "none in (high, atOrBefore]". Fire times are whole
        // seconds, so once high - low <= 1 s the one in (low, high] is the latest.
        long range = Duration.between(after, atOrBefore).getSeconds();
        Instant low = after;
        Instant high = atOrBefore;
        for (long step = 1; step < range; step *= 2) {
            Instant from = atOrBefore.minusSeconds(step);
            if (firesBy(from, atOrBefore)) {
                low = from;
                break;
            }
            high = from;
        }
        while (Duration.between(low, high).compareTo(Duration.ofSeconds(1)) > 0) {
            Instant middle = low.plus(Duration.between(low, high).dividedBy(2));
            if (firesBy(middle, atOrBefore)) {
                low = middle;
            } else {
                high = middle;
            }
        }
        return nextAfter(low);
    }

    /** Up to {@code count} fire times strictly after {@code after}, in order. */
    public List<Instant> next(Instant after, int count) {
        List<Instant> times = new ArrayList<>(Math.max(0, count));
        Instant from = after;
        while (times.size() < count) {
            Optional<Instant> next = nextAfter(from);
            if (next.isEmpty()) {
                break;
            }
            from = next.get();
            times.add(from);
        }
        return times;
    }

    @Override
    public String toString() {
        return expression + " (" + zone + ")";
    }

    private boolean firesBy(Instant after, Instant atOrBefore) {
        return nextAfter(after).filter(time -> !time.isAfter(atOrBefore)).isPresent();
    }

    /** The first local date-time strictly after {@code after} that the expression matches. */
    private Optional<LocalDateTime> nextLocalMatch(LocalDateTime after) {
        return localTimes.nextExecution(after.atZone(ZoneOffset.UTC)).map(ZonedDateTime::toLocalDateTime);
    }

    /** The instant a local match fires at: the transition for a skipped time, the first occurrence for a repeated one. */
    private Instant resolve(LocalDateTime local) {
        ZoneRules rules = zone.getRules();
        ZoneOffsetTransition transition = rules.getTransition(local);
        if (transition == null) {
            return local.toInstant(rules.getOffset(local));
        }
        return transition.isGap() ? transition.getInstant() : local.toInstant(transition.getOffsetBefore());
    }

    private void checkInterval(Duration shortest) {
        Optional<LocalDateTime> previous = nextLocalMatch(SAMPLE_START.minusSeconds(1));
        // Every firing day has the same times of day, so the first day shows the gaps within a day
        // and a few years show those between days; sparse patterns (5#5 in February) stop at the span.
        LocalDateTime sampleEnd = previous.map(first -> first.plusYears(SAMPLED_YEARS)).orElse(SAMPLE_START);
        for (int i = 1; i < SAMPLED_FIRE_TIMES && previous.isPresent() && previous.get().isBefore(sampleEnd); i++) {
            Optional<LocalDateTime> next = nextLocalMatch(previous.get());
            if (next.isPresent()) {
                Duration gap = Duration.between(previous.get(), next.get());
                if (gap.compareTo(shortest) < 0) {
                    boolean sameDay = previous.get().toLocalDate().equals(next.get().toLocalDate());
                    throw invalid("cron", "fires " + format(gap) + " apart (at "
                            + (sameDay ? previous.get().toLocalTime() : previous.get()) + " and "
                            + (sameDay ? next.get().toLocalTime() : next.get()) + "); the shortest allowed interval is "
                            + format(shortest));
                }
            }
            previous = next;
        }
    }

    private static Cron parseExpression(String expression) {
        String[] fields = WHITESPACE.split(expression);
        boolean unix = fields.length == 5;
        if (!unix && fields.length != 6 && fields.length != 7) {
            throw invalid("cron", FIELD_COUNT_HINT + "; got " + fields.length);
        }
        String dayOfMonth = fields[unix ? 2 : 3].toUpperCase(Locale.ROOT);
        String dayOfWeek = fields[unix ? 4 : 5].toUpperCase(Locale.ROOT);
        checkDayFields(dayOfMonth, dayOfWeek, unix);
        CronParser parser = !unix ? QUARTZ
                : dayOfMonth.startsWith("*") || dayOfWeek.startsWith("*") || dayOfMonth.equals("?")
                        || dayOfWeek.equals("?") ? UNIX_BOTH_DAYS : UNIX_EITHER_DAY;
        try {
            return parser.parse(expression);
        } catch (RuntimeException e) {
            throw invalid("cron", cronUtilsMessage(e));
        }
    }

    private static void checkDayFields(String dayOfMonth, String dayOfWeek, boolean unix) {
        boolean anyDayOfMonth = dayOfMonth.equals("?");
        boolean anyDayOfWeek = dayOfWeek.equals("?");
        if (anyDayOfMonth && anyDayOfWeek) {
            throw invalid("cron", "day-of-month and day-of-week cannot both be '?'");
        }
        if (!unix && !dayOfMonth.contains("?") && !dayOfWeek.contains("?")) {
            throw invalid("cron", "with seconds (Quartz), one of day-of-month and day-of-week must be '?',"
                    + " e.g. \"0 0 2 * * ?\" or \"0 0 9 ? * MON\"");
        }
        if (dayOfMonth.contains(",") && (dayOfMonth.contains("L") || dayOfMonth.contains("W"))) {
            throw invalid("cron", "day-of-month: L and W cannot be combined with other days in a list ('" + dayOfMonth + "')");
        }
        if (dayOfWeek.contains(",") && (dayOfWeek.contains("L") || dayOfWeek.contains("#"))) {
            throw invalid("cron", "day-of-week: L and # cannot be combined with other days in a list ('" + dayOfWeek + "')");
        }
        if (dayOfWeek.equals("L")) {
            throw invalid("cron", "day-of-week: 'L' alone is ambiguous; name the day (SAT) or the last such day of"
                    + " the month (" + (unix ? "5L" : "6L") + " is the last Friday)");
        }
        Matcher nearestWeekday = LATE_NEAREST_WEEKDAY.matcher(dayOfMonth);
        if (nearestWeekday.matches() && Integer.parseInt(nearestWeekday.group(1)) > 28) {
            throw invalid("cron", "day-of-month: '" + dayOfMonth + "' is not supported, not every month has that day;"
                    + " LW is the last weekday of the month");
        }
    }

    /** cron-utils' own words when it explains the problem (an IllegalArgumentException), else a plain one. */
    private static String cronUtilsMessage(RuntimeException e) {
        String message = e instanceof IllegalArgumentException && e.getMessage() != null
                ? e.getMessage().replace("Failed to parse cron expression. ", "")
                        .replaceAll("\\s*Invalid chars:\\s*$", "").strip()
                : "";
        return message.isEmpty() ? "not a valid cron expression"
                : Character.toLowerCase(message.charAt(0)) + message.substring(1);
    }

    /**
     * The time zone {@code timezone} names (null or blank: UTC).
     *
     * @throws InvalidCronException field {@code timezone}, when no such zone exists
     */
    public static ZoneId zone(String timezone) {
        if (timezone == null || timezone.isBlank()) {
            return UTC;
        }
        try {
            return ZoneId.of(timezone.strip());
        } catch (DateTimeException e) {
            throw invalid("timezone", "unknown time zone '" + timezone.strip() + "'; use an IANA id such as Europe/Berlin");
        }
    }

    private static String describe(Cron cron) {
        String text = DESCRIPTOR.describe(cron).strip().replaceAll("\\s+", " ");
        // cron-utils writes "at 2028 year" and "Friday 3 of every month"; say it the usual way.
        text = text.replaceAll("at (\\d{4}) year", "in $1");
        return NTH_WEEKDAY.matcher(text).replaceAll(match -> "on the " + ordinal(Integer.parseInt(match.group(2))) + " "
                + match.group(1) + " of every month");
    }

    private static String ordinal(int n) {
        return List.of("first", "second", "third", "fourth", "fifth").get(n - 1);
    }

    /** "500ms", "1.5s", "1m", "1h30m", "2d": a duration as people write it. */
    static String format(Duration duration) {
        if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
            return duration.toMillis() + "ms";
        }
        StringBuilder text = new StringBuilder();
        long days = duration.toDays();
        if (days > 0) {
            text.append(days).append('d');
        }
        if (duration.toHoursPart() > 0) {
            text.append(duration.toHoursPart()).append('h');
        }
        if (duration.toMinutesPart() > 0) {
            text.append(duration.toMinutesPart()).append('m');
        }
        if (duration.toMillisPart() > 0) {
            text.append(BigDecimal.valueOf(duration.toSecondsPart() * 1000L + duration.toMillisPart(), 3)
                    .stripTrailingZeros().toPlainString()).append('s');
        } else if (duration.toSecondsPart() > 0) {
            text.append(duration.toSecondsPart()).append('s');
        }
        return text.toString();
    }

    private static InvalidCronException invalid(String field, String message) {
        return new InvalidCronException(new Violation(field, message));
    }

    private static CronDefinition unix(boolean questionMark) {
        CronDefinitionBuilder builder = CronDefinitionBuilder.defineCron()
                .withMinutes().withStrictRange().and()
                .withHours().withStrictRange().and()
                .withMonth().withStrictRange().and();
        FieldSpecialCharsDefinitionBuilder dayOfMonth = builder.withDayOfMonth().supportsL().supportsW().supportsLW();
        FieldDayOfWeekDefinitionBuilder dayOfWeek = builder.withDayOfWeek()
                .withValidRange(0, 7).withMondayDoWValue(1).withIntMapping(7, 0);
        dayOfWeek.supportsHash().supportsL();
        if (questionMark) {
            dayOfMonth.supportsQuestionMark();
            dayOfWeek.supportsQuestionMark();
        }
        dayOfMonth.withStrictRange().and();
        dayOfWeek.withStrictRange().and(); // the day-of-week builder's and() keeps the Monday = 1 numbering
        return builder.instance();
    }
}
