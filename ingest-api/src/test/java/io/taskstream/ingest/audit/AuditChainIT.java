package io.taskstream.ingest.audit;

import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.MutableClock;
import io.taskstream.ingest.ApiWithKafkaIt;
import io.taskstream.ingest.ItSupport;
import tools.jackson.databind.JsonNode;

/**
 * The chain in Postgres: the table refuses changes, a chain forged by someone who can switch the triggers off
 * is found by {@code POST /audit:verify}, concurrent appenders keep it whole, and the writer survives Postgres
 * going away. Each test starts from an empty log (wiped with the triggers off, as only the table's owner can).
 */
class AuditChainIT extends ApiWithKafkaIt {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(AuditChainIT.class, registry);
    }

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00.123456Z");

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    DataSource dataSource;
    @Autowired
    AuditTrail trail;
    @Autowired
    AuditRepository repository;
    @Autowired
    TransactionTemplate transactions;

    @BeforeEach
    void emptyLog() {
        trail.flush();
        asOwner("DELETE FROM audit_log");
    }

    /** Runs {@code sql} with the table's triggers off, in one transaction (the API's appends wait for it). */
    private void asOwner(String... sql) {
        transactions.executeWithoutResult(status -> {
            jdbc.execute("ALTER TABLE audit_log DISABLE TRIGGER USER");
            for (String statement : sql) {
                jdbc.execute(statement);
            }
            jdbc.execute("ALTER TABLE audit_log ENABLE TRIGGER USER");
        });
    }

    private static AuditEntry entry(int n) {
        return new AuditEntry(T0.plusMillis(n), "acme", "key-" + n, null, "task.submit", "task", "t" + n,
                Map.of("n", n, "note", "näive \"quoted\" | ;"), null, "203.0.113." + (n % 250), "curl/8." + n,
                202, AuditEntry.Outcome.OK);
    }

    private void appendRows(int count) {
        List<AuditEntry> entries = IntStream.rangeClosed(1, count).mapToObj(AuditChainIT::entry).toList();
        repository.append(entries);
    }

    private JsonNode verify() {
        HttpResponse<String> response = api.authorized("POST", "/api/v1/audit:verify", null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    private String rowHash(long seq) {
        return HexFormat.of().formatHex(jdbc.queryForObject("SELECT row_hash FROM audit_log WHERE chain_seq = ?",
                byte[].class, seq));
    }

    @Test
    void rowsAreChainedInAppendOrderFromZeroHashes() {
        appendRows(3);

        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT chain_seq, prev_hash, row_hash, row_hash = audit_row_hash(a) AS hashes FROM audit_log a "
                        + "ORDER BY chain_seq");
        assertThat(rows).extracting(r -> r.get("chain_seq")).containsExactly(1L, 2L, 3L);
        assertThat((byte[]) rows.get(0).get("prev_hash")).isEqualTo(new byte[32]);
        assertThat(rows.get(1).get("prev_hash")).isEqualTo(rows.get(0).get("row_hash"));
        assertThat(rows.get(2).get("prev_hash")).isEqualTo(rows.get(1).get("row_hash"));
        assertThat(rows).allSatisfy(r -> assertThat(r.get("hashes")).isEqualTo(true));
    }

    @Test
    void theHashDoesNotDependOnTheSessionsSettings() {
        appendRows(2);
        transactions.executeWithoutResult(status -> {
            jdbc.execute("SET LOCAL TimeZone = 'Pacific/Chatham'");
            jdbc.execute("SET LOCAL DateStyle = 'ISO, DMY'");
            jdbc.execute("SET LOCAL IntervalStyle = 'sql_standard'");
            jdbc.execute("SET LOCAL extra_float_digits = 0");
            assertThat(jdbc.queryForObject("SELECT bool_and(row_hash = audit_row_hash(a)) FROM audit_log a",
                    Boolean.class)).isTrue();
        });
    }

    @Test
    void updatesDeletesAndTruncatesAreRefusedByTheTable() {
        appendRows(2);

        assertThatThrownBy(() -> jdbc.update("UPDATE audit_log SET actor = 'someone-else' WHERE chain_seq = 1"))
                .hasRootCauseInstanceOf(SQLException.class).hasMessageContaining("append-only (UPDATE refused)");
        assertThatThrownBy(() -> jdbc.update("DELETE FROM audit_log WHERE chain_seq = 2"))
                .hasRootCauseInstanceOf(SQLException.class).hasMessageContaining("append-only (DELETE refused)");
        assertThatThrownBy(() -> jdbc.execute("TRUNCATE audit_log"))
                .hasRootCauseInstanceOf(SQLException.class).hasMessageContaining("append-only (TRUNCATE refused)");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM audit_log", Long.class)).isEqualTo(2);
        assertThat(verify().get("valid").asBoolean()).isTrue();
    }

    @Test
    void anInsertCannotChooseItsPlaceInTheChain() {
        appendRows(1);

        jdbc.update("INSERT INTO audit_log (occurred_at, tenant_id, actor, actor_tenant_id, action, outcome, "
                + "chain_seq, prev_hash, row_hash) VALUES (now(), 't', 'k', 't', 'x', 'ok', 99, ?, ?)",
                new byte[32], new byte[32]);

        assertThat(jdbc.queryForList("SELECT chain_seq FROM audit_log ORDER BY chain_seq", Long.class))
                .containsExactly(1L, 2L);
        assertThat(verify().get("valid").asBoolean()).isTrue();
    }

    @Test
    void anUntouchedChainIsValidAndNamesItsHead() {
        appendRows(50);

        JsonNode result = verify();

        assertThat(result.get("valid").asBoolean()).isTrue();
        assertThat(result.get("rowsChecked").asLong()).isEqualTo(50);
        assertThat(result.get("headSeq").asLong()).isEqualTo(50);
        assertThat(result.get("headHash").asString()).isEqualTo(rowHash(50));
        assertThat(result.get("firstBrokenSeq").isNull()).isTrue();
        assertThat(result.get("reason").isNull()).isTrue();
    }

    @Test
    void anEmptyLogIsValid() {
        ChainVerification result = repository.verify();

        assertThat(result).isEqualTo(new ChainVerification(true, 0, null, null, null, null));
    }

    @Test
    void aChangedRowIsFound() {
        appendRows(10);

        asOwner("UPDATE audit_log SET actor = 'someone-else' WHERE chain_seq = 4");

        JsonNode result = verify();
        assertThat(result.get("valid").asBoolean()).isFalse();
        assertThat(result.get("firstBrokenSeq").asLong()).isEqualTo(4);
        assertThat(result.get("rowsChecked").asLong()).isEqualTo(3);
        assertThat(result.get("reason").asString()).contains("row 4 does not hash to its row_hash");
    }

    @Test
    void aChangedRowWhoseHashWasRecomputedBreaksTheNextLink() {
        appendRows(10);

        asOwner("UPDATE audit_log SET actor = 'someone-else' WHERE chain_seq = 4",
                "UPDATE audit_log a SET row_hash = audit_row_hash(a) WHERE chain_seq = 4");

        JsonNode result = verify();
        assertThat(result.get("valid").asBoolean()).isFalse();
        assertThat(result.get("firstBrokenSeq").asLong()).isEqualTo(5);
        assertThat(result.get("reason").asString()).contains("prev_hash of row 5 is not the row_hash of row 4");
    }

    @Test
    void aDeletedRowIsFound() {
        appendRows(10);

        asOwner("DELETE FROM audit_log WHERE chain_seq IN (6, 7)");

        JsonNode result = verify();
        assertThat(result.get("valid").asBoolean()).isFalse();
        assertThat(result.get("firstBrokenSeq").asLong()).isEqualTo(6);
        assertThat(result.get("rowsChecked").asLong()).isEqualTo(5);
        assertThat(result.get("reason").asString()).contains("rows 6 to 7 are missing");
    }

    @Test
    void aDeletedFirstRowIsFound() {
        appendRows(3);

        asOwner("DELETE FROM audit_log WHERE chain_seq = 1");

        ChainVerification result = repository.verify();
        assertThat(result.valid()).isFalse();
        assertThat(result.firstBrokenSeq()).isEqualTo(1);
        assertThat(result.rowsChecked()).isZero();
        assertThat(result.reason()).contains("row 1 is missing");
    }

    @Test
    void aForgedRowInsertedWithAMadeUpHashIsFound() {
        appendRows(5);

        asOwner("INSERT INTO audit_log (occurred_at, tenant_id, actor, actor_tenant_id, action, outcome, chain_seq, "
                + "prev_hash, row_hash) SELECT occurred_at, tenant_id, 'forger', tenant_id, 'key.create', 'ok', 6, "
                + "row_hash, sha256('anything'::bytea) FROM audit_log WHERE chain_seq = 5");

        JsonNode result = verify();
        assertThat(result.get("valid").asBoolean()).isFalse();
        assertThat(result.get("firstBrokenSeq").asLong()).isEqualTo(6);
        assertThat(result.get("reason").asString()).contains("row 6 does not hash to its row_hash");
    }

    @Test
    void aRowSlippedIntoTheMiddleIsFound() {
        appendRows(5);

        // make room at 3 by moving 3..5 up one, then slip a well-hashed row in linking to row 2
        asOwner("UPDATE audit_log SET chain_seq = chain_seq + 100 WHERE chain_seq >= 3",
                "UPDATE audit_log SET chain_seq = chain_seq - 99 WHERE chain_seq >= 103",
                "INSERT INTO audit_log (occurred_at, tenant_id, actor, actor_tenant_id, action, outcome, chain_seq, "
                        + "prev_hash, row_hash) SELECT occurred_at, tenant_id, 'forger', tenant_id, 'key.create', "
                        + "'ok', 3, row_hash, sha256('placeholder'::bytea) FROM audit_log WHERE chain_seq = 2",
                "UPDATE audit_log a SET row_hash = audit_row_hash(a) WHERE chain_seq = 3");

        JsonNode result = verify();
        assertThat(result.get("valid").asBoolean()).isFalse();
        assertThat(result.get("firstBrokenSeq").asLong()).as("the row after the forged one").isEqualTo(4);
        assertThat(result.get("reason").asString()).contains("prev_hash of row 4 is not the row_hash of row 3");
    }

    @Test
    void rowsAppendedConcurrentlyFromManyTransactionsFormOneValidChain() throws Exception {
        int threads = 8;
        int transactionsEach = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    int committed = 0;
                    for (int i = 0; i < transactionsEach; i++) {
                        int rows = 1 + (i % 3);
                        boolean rollBack = i % 5 == 4;
                        List<AuditEntry> batch = IntStream.range(0, rows)
                                .mapToObj(r -> entry(thread * 1000 + r)).toList();
                        transactions.executeWithoutResult(status -> {
                            repository.append(batch);
                            repository.append(List.of(entry(thread * 1000 + 999))); // a second statement
                            if (rollBack) {
                                status.setRollbackOnly();
                            }
                        });
                        committed += rollBack ? 0 : rows + 1;
                    }
                    return committed;
                }));
            }
            int committed = 0;
            for (Future<Integer> result : results) {
                committed += result.get();
            }

            ChainVerification verification = repository.verify();
            assertThat(verification.valid()).as(verification.reason()).isTrue();
            assertThat(verification.rowsChecked()).as("no gaps, rolled back numbers were used again")
                    .isEqualTo(committed);
            assertThat(jdbc.queryForObject("SELECT count(*) FROM audit_log", Long.class)).isEqualTo(committed);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void whenPostgresIsDownTheWriterKeepsTheBatchAndWritesItOnceWhenItIsBack() throws SQLException {
        SwitchableDataSource switchable = new SwitchableDataSource(dataSource);
        MutableClock clock = new MutableClock(T0);
        AuditTrail writer = new AuditTrail(new AuditRepository(new JdbcTemplate(switchable))::append,
                new AuditProperties(100, 500, Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(1)),
                clock, new SimpleMeterRegistry());
        writer.record(entry(1));
        writer.record(entry(2));
        switchable.down = true;

        clock.advance(Duration.ofMillis(50));
        assertThat(writer.step()).as("Postgres down").isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(writer.step()).as("still down").isZero();
        writer.record(entry(3));
        switchable.down = false;
        clock.advance(Duration.ofSeconds(1));

        assertThat(writer.step()).isEqualTo(3);
        assertThat(writer.step()).isZero();
        assertThat(jdbc.queryForList("SELECT resource_id FROM audit_log ORDER BY chain_seq", String.class))
                .containsExactly("t1", "t2", "t3");
        assertThat(repository.verify().valid()).isTrue();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            assertThat(s.execute("SELECT 1")).isTrue();
        }
    }

    /** The API's pool while up; a port nothing listens on while {@link #down}. */
    static final class SwitchableDataSource extends DelegatingDataSource {
        volatile boolean down;
        private final DataSource nowhere = new DriverManagerDataSource(
                "jdbc:postgresql://127.0.0.1:" + ItSupport.unusedPort() + "/taskstream?connectTimeout=2", "x", "x");

        SwitchableDataSource(DataSource target) {
            super(target);
        }

        @Override
        public Connection getConnection() throws SQLException {
            return down ? nowhere.getConnection() : super.getConnection();
        }
    }
}
