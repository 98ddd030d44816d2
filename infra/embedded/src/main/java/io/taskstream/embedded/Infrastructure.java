package io.taskstream.embedded;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where the infrastructure is: Kafka, a PostgreSQL database and Redis.
 *
 * @param kafkaBootstrap Kafka bootstrap servers ({@code host:port})
 * @param jdbcUrl        JDBC URL of the database ({@code jdbc:postgresql://host:port/db})
 * @param dbUser         database user
 * @param dbPassword     database password (may be empty)
 * @param redisUrl       Redis URL ({@code redis://host:port})
 */
public record Infrastructure(String kafkaBootstrap, String jdbcUrl, String dbUser, String dbPassword,
                             String redisUrl) {

    public Infrastructure {
        Objects.requireNonNull(kafkaBootstrap, "kafkaBootstrap");
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(dbUser, "dbUser");
        Objects.requireNonNull(dbPassword, "dbPassword");
        Objects.requireNonNull(redisUrl, "redisUrl");
    }

    /**
     * The endpoints as Spring Boot properties: {@code spring.kafka.bootstrap-servers},
     * {@code spring.datasource.url}, {@code spring.datasource.username},
     * {@code spring.datasource.password}, {@code spring.data.redis.url}.
     */
    public Map<String, String> springProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("spring.kafka.bootstrap-servers", kafkaBootstrap);
        properties.put("spring.datasource.url", jdbcUrl);
        properties.put("spring.datasource.username", dbUser);
        properties.put("spring.datasource.password", dbPassword);
        properties.put("spring.data.redis.url", redisUrl);
        return java.util.Collections.unmodifiableMap(properties);
    }

    /** The same endpoints with the JDBC URL pointing at database {@code database}. */
    public Infrastructure withDatabase(String database) {
        return new Infrastructure(kafkaBootstrap, Databases.withDatabase(jdbcUrl, database), dbUser, dbPassword,
                redisUrl);
    }

    /** The database the JDBC URL names. */
    public String database() {
        return Databases.databaseOf(jdbcUrl);
    }

    @Override
    public String toString() {
        return "Infrastructure[kafkaBootstrap=" + kafkaBootstrap + ", jdbcUrl=" + jdbcUrl + ", dbUser=" + dbUser
                + ", dbPassword=" + (dbPassword.isEmpty() ? "" : "****") + ", redisUrl=" + redisUrl + "]";
    }
}
