package io.taskstream.ingest.projection;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Keeps the monthly partitions of {@code task_executions} ready: the current month and the next
 * {@code partitionMonthsAhead}, at start-up and then every {@code partition-maintenance-interval}
 * (daily by default). The work is done by the SQL function {@code ensure_task_execution_partitions}
 * (V1 migration), which is idempotent, serialised by an advisory lock (several API instances may run
 * it at once) and moves rows that had landed in the default partition into the new month's.
 */
public class ExecutionPartitions {

    private static final Logger log = LoggerFactory.getLogger(ExecutionPartitions.class);

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final int monthsAhead;

    public ExecutionPartitions(JdbcTemplate jdbc, Clock clock, int monthsAhead) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.monthsAhead = monthsAhead;
    }

    @Scheduled(initialDelay = 0, fixedDelayString = "${taskstream.ingest.partition-maintenance-interval:P1D}")
    public void scheduled() {
        try {
            ensure();
        } catch (RuntimeException e) {
            log.error("could not maintain the partitions of task_executions; retrying at the next run", e);
        }
    }

    /** Creates the missing partitions from this month on; returns how many were created. */
    public int ensure() {
        LocalDate month = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).withDayOfMonth(1);
        Integer created = jdbc.queryForObject("SELECT ensure_task_execution_partitions(?, ?)", Integer.class,
                month, monthsAhead + 1);
        if (created != null && created > 0) {
            log.info("created {} monthly partition(s) of task_executions from {}", created, month);
        }
        return created == null ? 0 : created;
    }
}
