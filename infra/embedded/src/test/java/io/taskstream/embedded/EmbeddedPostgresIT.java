package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresIT {

    @TempDir
    Path runDir;

    @Test
    void answersOverJdbcThenStopsAndCleansUpOnClose() throws Exception {
        ProcessRegistry registry = new ProcessRegistry(runDir);
        int port;
        long pid;
        try (EmbeddedPostgres postgres = EmbeddedPostgres.start(registry)) {
            port = postgres.port();
            pid = postgres.pid();
            assertThat(postgres.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + port + "/postgres");
            assertThat(postgres.user()).isEqualTo("postgres");
            assertThat(postgres.password()).isEmpty();
            assertThat(pid).isPositive();
            assertThat(FreePorts.accepts("127.0.0.1", port)).as("postgres port while running").isTrue();
            assertThat(ProcessHandle.of(pid)).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
            // recorded for the reaper while it runs
            assertThat(Dirs.entries(runDir.resolve("pids"))).hasSize(1);

            try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
                 ResultSet rs = connection.createStatement().executeQuery("select version(), current_database()")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).startsWith("PostgreSQL 17.");
                assertThat(rs.getString(2)).isEqualTo("postgres");
            }
        }
        assertThat(FreePorts.accepts("127.0.0.1", port)).as("postgres port after close").isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        assertThat(Dirs.entries(runDir.resolve("pids"))).isEmpty();
    }

    @Test
    void postmasterPidIsZeroWhenUnreadable() {
        assertThat(EmbeddedPostgres.postmasterPid(runDir)).isZero();
    }
}
