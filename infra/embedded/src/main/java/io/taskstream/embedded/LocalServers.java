package io.taskstream.embedded;

import java.net.URI;
import java.util.Optional;
import java.util.function.Function;

/**
 * Servers already running on the machine to use instead of embedded ones (Kafka is always
 * embedded), read from the environment:
 *
 * <table>
 *   <caption>Environment</caption>
 *   <tr><th>Variable</th><th>Default</th><th>Meaning</th></tr>
 *   <tr><td>{@code TASKSTREAM_TEST_DB_URL}</td><td>unset: embedded</td>
 *       <td>JDBC URL of a PostgreSQL database the user may create databases from</td></tr>
 *   <tr><td>{@code TASKSTREAM_TEST_DB_USER}</td><td>{@code postgres}</td><td>its user</td></tr>
 *   <tr><td>{@code TASKSTREAM_TEST_DB_PASSWORD}</td><td>empty</td><td>its password</td></tr>
 *   <tr><td>{@code TASKSTREAM_TEST_REDIS_URL}</td><td>unset: embedded</td><td>{@code redis://host:port}</td></tr>
 * </table>
 *
 * @param jdbcUrl    the local PostgreSQL database, or empty to start an embedded server
 * @param dbUser     its user
 * @param dbPassword its password
 * @param redisUrl   the local Redis, or empty to start an embedded server
 * @param kafkaBootstrap a running Kafka ({@code host:port[,…]}), or empty to start an embedded broker
 *                   (tests always embed Kafka; the devstack honours {@code TASKSTREAM_KAFKA_BOOTSTRAP})
 */
public record LocalServers(Optional<String> jdbcUrl, String dbUser, String dbPassword, Optional<String> redisUrl,
                           Optional<String> kafkaBootstrap) {

    public static final String DB_URL = "TASKSTREAM_TEST_DB_URL";
    public static final String DB_USER = "TASKSTREAM_TEST_DB_USER";
    public static final String DB_PASSWORD = "TASKSTREAM_TEST_DB_PASSWORD";
    public static final String REDIS_URL = "TASKSTREAM_TEST_REDIS_URL";

    /** Everything embedded. */
    public static final LocalServers NONE = new LocalServers(Optional.empty(), EmbeddedPostgres.USER,
            EmbeddedPostgres.PASSWORD, Optional.empty());

    /** PostgreSQL and/or Redis local, Kafka embedded. */
    public LocalServers(Optional<String> jdbcUrl, String dbUser, String dbPassword, Optional<String> redisUrl) {
        this(jdbcUrl, dbUser, dbPassword, redisUrl, Optional.empty());
    }

    public LocalServers {
        kafkaBootstrap.ifPresent(bootstrap -> {
            if (!bootstrap.matches("[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*")) {
                throw new IllegalArgumentException("TASKSTREAM_KAFKA_BOOTSTRAP must be host:port[,host:port…], got " + bootstrap);
            }
        });
        jdbcUrl.ifPresent(url -> {
            if (!url.startsWith("jdbc:postgresql://")) {
                throw new IllegalArgumentException(DB_URL + " must be a jdbc:postgresql://host:port/db URL, got " + url);
            }
        });
        redisUrl.ifPresent(url -> {
            if (!url.startsWith("redis://") || URI.create(url).getHost() == null) {
                throw new IllegalArgumentException(REDIS_URL + " must be a redis://host:port URL, got " + url);
            }
        });
    }

    /** Reads the process environment. */
    public static LocalServers fromEnvironment() {
        return fromEnvironment(System::getenv);
    }

    /** Reads {@code env} (a map's {@code get} in tests, {@code System::getenv} otherwise); blank means unset. */
    public static LocalServers fromEnvironment(Function<String, String> env) {
        return new LocalServers(
                value(env, DB_URL),
                value(env, DB_USER).orElse(EmbeddedPostgres.USER),
                Optional.ofNullable(env.apply(DB_PASSWORD)).orElse(EmbeddedPostgres.PASSWORD),
                value(env, REDIS_URL));
    }

    private static Optional<String> value(Function<String, String> env, String name) {
        return Optional.ofNullable(env.apply(name)).map(String::strip).filter(v -> !v.isEmpty());
    }

    public boolean localDatabase() {
        return jdbcUrl.isPresent();
    }

    public boolean localKafka() {
        return kafkaBootstrap.isPresent();
    }

    public boolean localRedis() {
        return redisUrl.isPresent();
    }
}
