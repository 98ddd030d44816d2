package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class EmbeddedInfrastructureIT {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedInfrastructureIT.class);

    /** The machine's own servers (this kind of machine runs them; see the module README). */
    static final Map<String, String> LOCAL_ENV = Map.of(
            LocalServers.DB_URL, "jdbc:postgresql://127.0.0.1:5432/test",
            LocalServers.DB_USER, "postgres",
            LocalServers.REDIS_URL, "redis://127.0.0.1:6379");

    @TempDir
    Path runDir;

    @Test
    void startsAllThreeEmbeddedInParallelAndStopsThemAll() throws Exception {
        Infrastructure infra;
        try (EmbeddedInfrastructure servers = EmbeddedInfrastructure.start(LocalServers.NONE, new ProcessRegistry(runDir))) {
            infra = servers.infrastructure();
            LOG.info("All embedded in {} ms (Kafka {} ms)", servers.startupTime().toMillis(),
                    servers.kafka().startupTime().toMillis());
            assertThat(servers.embeddedPostgres()).isTrue();
            assertThat(servers.embeddedRedis()).isTrue();
            assertThat(infra.dbUser()).isEqualTo("postgres");
            assertThat(infra.database()).isEqualTo("postgres");
            assertThat(infra.springProperties()).containsOnlyKeys("spring.kafka.bootstrap-servers",
                    "spring.datasource.url", "spring.datasource.username", "spring.datasource.password",
                    "spring.data.redis.url");

            assertKafkaAnswers(infra.kafkaBootstrap());
            assertThat(query(infra, "select 1")).isEqualTo("1");
            assertThat(Resp.ping("127.0.0.1", URI.create(infra.redisUrl()).getPort(), 1000)).isEqualTo("+PONG");

            assertFreshDatabasesAreIsolated(servers);
            assertThat(FreePorts.accepts(host(infra.kafkaBootstrap()), port("//" + infra.kafkaBootstrap()))).isTrue();
        }
        assertThat(FreePorts.accepts("127.0.0.1", port(infra.jdbcUrl()))).as("postgres").isFalse();
        assertThat(FreePorts.accepts("127.0.0.1", URI.create(infra.redisUrl()).getPort())).as("redis").isFalse();
        assertThat(FreePorts.accepts(host(infra.kafkaBootstrap()), port("//" + infra.kafkaBootstrap()))).as("kafka").isFalse();
    }

    @Test
    void usesTheMachinesPostgresAndRedisWhenTheVariablesNameThem() throws Exception {
        assumeTrue(FreePorts.accepts("127.0.0.1", 5432) && FreePorts.accepts("127.0.0.1", 6379),
                "needs the machine's PostgreSQL on 5432 and Redis on 6379");
        LocalServers local = LocalServers.fromEnvironment(LOCAL_ENV::get);
        Infrastructure infra;
        Infrastructure fresh;
        try (EmbeddedInfrastructure servers = EmbeddedInfrastructure.start(local, new ProcessRegistry(runDir))) {
            infra = servers.infrastructure();
            assertThat(servers.embeddedPostgres()).isFalse();
            assertThat(servers.embeddedRedis()).isFalse();
            assertThat(infra.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/test");
            assertThat(infra.redisUrl()).isEqualTo("redis://127.0.0.1:6379");
            assertThat(query(infra, "select version()")).startsWith("PostgreSQL");
            assertKafkaAnswers(infra.kafkaBootstrap());
            // nothing of ours runs besides Kafka
            assertThat(Dirs.entries(runDir.resolve("pids"))).isEmpty();

            fresh = assertFreshDatabasesAreIsolated(servers);
            assertThat(databaseExists(infra, fresh.database())).isTrue();
            assertThat(FreePorts.accepts(host(infra.kafkaBootstrap()), port("//" + infra.kafkaBootstrap()))).isTrue();
        }
        // the machine's servers stay up; the databases we made are gone; Kafka is stopped
        assertThat(FreePorts.accepts("127.0.0.1", 5432)).isTrue();
        assertThat(FreePorts.accepts("127.0.0.1", 6379)).isTrue();
        assertThat(databaseExists(infra, fresh.database())).isFalse();
        assertThat(FreePorts.accepts(host(infra.kafkaBootstrap()), port("//" + infra.kafkaBootstrap()))).isFalse();
    }

    @Test
    void usesAGivenKafkaInsteadOfStartingOneAndLeavesItRunning() throws Exception {
        try (EmbeddedKafka given = EmbeddedKafka.start()) {
            LocalServers local = new LocalServers(Optional.empty(), EmbeddedPostgres.USER, EmbeddedPostgres.PASSWORD,
                    Optional.empty(), Optional.of(given.bootstrapServers()));
            try (EmbeddedInfrastructure servers = EmbeddedInfrastructure.start(local, new ProcessRegistry(runDir))) {
                assertThat(servers.kafka()).isNull();
                assertThat(servers.infrastructure().kafkaBootstrap()).isEqualTo(given.bootstrapServers());
                assertKafkaAnswers(servers.infrastructure().kafkaBootstrap());
            }
            // the broker we were given outlives the infrastructure
            assertKafkaAnswers(given.bootstrapServers());
        }
    }

    @Test
    void failsWithTheVariableNameWhenTheLocalDatabaseIsUnreachableAndStopsWhatStarted() {
        int closedPort = FreePorts.find();
        LocalServers local = LocalServers.fromEnvironment(Map.of(
                LocalServers.DB_URL, "jdbc:postgresql://127.0.0.1:" + closedPort + "/test",
                LocalServers.REDIS_URL, "redis://127.0.0.1:6379")::get);
        assertThatThrownBy(() -> EmbeddedInfrastructure.start(local, new ProcessRegistry(runDir)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(LocalServers.DB_URL);
        // the embedded broker that did start was closed again (it clears its property on close)
        assertThat(System.getProperty(EmbeddedKafka.BROKERS_PROPERTY)).isNull();
    }

    private static Infrastructure assertFreshDatabasesAreIsolated(EmbeddedInfrastructure servers) throws SQLException {
        Infrastructure alpha = servers.freshDatabase("Isolation Alpha!");
        Infrastructure beta = servers.freshDatabase("isolation-beta");
        assertThat(alpha.database()).startsWith("ts_isolation_alpha_");
        assertThat(beta.database()).startsWith("ts_isolation_beta_");
        assertThat(alpha.kafkaBootstrap()).isEqualTo(servers.infrastructure().kafkaBootstrap());
        assertThat(alpha.redisUrl()).isEqualTo(servers.infrastructure().redisUrl());

        execute(alpha, "create table only_in_alpha (id int primary key)");
        execute(alpha, "insert into only_in_alpha values (1)");
        assertThat(query(alpha, "select count(*) from only_in_alpha")).isEqualTo("1");
        assertThat(query(alpha, "select current_database()")).isEqualTo(alpha.database());
        assertThat(query(beta, "select to_regclass('only_in_alpha') is null")).isEqualTo("t");
        assertThat(query(servers.infrastructure(), "select to_regclass('only_in_alpha') is null")).isEqualTo("t");
        return alpha;
    }

    private static void assertKafkaAnswers(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    static boolean databaseExists(Infrastructure admin, String name) throws SQLException {
        return query(admin, "select count(*) from pg_database where datname = '" + name + "'").equals("1");
    }

    static String query(Infrastructure infra, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(infra.jdbcUrl(), infra.dbUser(), infra.dbPassword());
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    static void execute(Infrastructure infra, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(infra.jdbcUrl(), infra.dbUser(), infra.dbPassword());
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    static String host(String hostPort) {
        return hostPort.substring(0, hostPort.lastIndexOf(':'));
    }

    /** The port of {@code jdbc:postgresql://host:port/db} or {@code //host:port}. */
    static int port(String url) {
        String authority = url.substring(url.indexOf("//") + 2);
        int slash = authority.indexOf('/');
        authority = slash < 0 ? authority : authority.substring(0, slash);
        return Integer.parseInt(authority.substring(authority.lastIndexOf(':') + 1));
    }
}
