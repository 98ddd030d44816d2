package io.taskstream.ingest.schedules;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.taskstream.schemas.CronSchedule;

/**
 * The parsed cron expressions of stored schedules, for their views ({@code description}, {@code nextRuns}):
 * a listing parses each expression once, not once per request. Stored expressions are parsed without the
 * shortest-interval check — they passed the one in force when they were written, and a stricter
 * {@code min-interval} later must not hide them. One that cannot be parsed at all any more (it never
 * should) is logged and shown without description and fire times.
 */
class CronPreviews {

    private static final Logger log = LoggerFactory.getLogger(CronPreviews.class);

    /** Any interval passes: what is stored was checked when it was written. */
    static final Duration NO_MINIMUM = Duration.ZERO;

    /**
     * "Never fires" is not judged again either: a schedule whose last year has passed still shows its
     * description (its {@code nextRuns} are simply empty).
     */
    private static final Clock ANY_TIME = Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);

    private record Key(String cron, String timezone) {
    }

    private final Cache<Key, Optional<CronSchedule>> parsed;

    CronPreviews(long maxEntries) {
        this.parsed = Caffeine.newBuilder().maximumSize(maxEntries).build();
    }

    /** The expression in its zone; empty when it cannot be read. */
    Optional<CronSchedule> of(String cron, String timezone) {
        return parsed.get(new Key(cron, timezone), key -> {
            try {
                return Optional.of(CronSchedule.parse(key.cron(), key.timezone(), NO_MINIMUM, ANY_TIME));
            } catch (CronSchedule.InvalidCronException e) {
                log.warn("a stored schedule's cron '{}' ({}) cannot be read: {}", key.cron(), key.timezone(),
                        e.getMessage());
                return Optional.empty();
            }
        });
    }
}
