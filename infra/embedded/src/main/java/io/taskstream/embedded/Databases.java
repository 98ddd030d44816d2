package io.taskstream.embedded;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/** Creating and dropping uniquely named databases on a PostgreSQL server. */
final class Databases {

    /** Every database we create starts with this, so leftovers are easy to find. */
    static final String PREFIX = "ts_";

    private static final int MAX_HINT = 40;

    private Databases() {
    }

    /** {@code ts_<sanitised hint>_<12 random hex>}: a valid, unquoted-safe identifier of at most 56 chars. */
    static String uniqueName(String hint) {
        String cleaned = (hint == null ? "" : hint).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_")
                .replaceAll("^_+|_+$", "");
        if (cleaned.length() > MAX_HINT) {
            cleaned = cleaned.substring(0, MAX_HINT);
        }
        byte[] random = new byte[6];
        ThreadLocalRandom.current().nextBytes(random);
        String suffix = HexFormat.of().formatHex(random);
        return PREFIX + (cleaned.isEmpty() ? "" : cleaned + "_") + suffix;
    }

    /** Creates database {@code name} on the server {@code admin} points at. */
    static void create(Infrastructure admin, String name) {
        execute(admin, "CREATE DATABASE " + quote(name));
    }

    /** Drops database {@code name}, disconnecting whoever is still connected to it. */
    static void drop(Infrastructure admin, String name) {
        execute(admin, "DROP DATABASE IF EXISTS " + quote(name) + " WITH (FORCE)");
    }

    private static void execute(Infrastructure admin, String sql) {
        try (Connection connection = DriverManager.getConnection(admin.jdbcUrl(), admin.dbUser(), admin.dbPassword());
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("'" + sql + "' failed on " + admin.jdbcUrl() + ": " + e.getMessage(), e);
        }
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** Replaces the database in a {@code jdbc:postgresql://host[:port][/db][?params]} URL. */
    static String withDatabase(String jdbcUrl, String database) {
        int[] span = databaseSpan(jdbcUrl);
        return jdbcUrl.substring(0, span[0]) + "/" + database + jdbcUrl.substring(span[1]);
    }

    /** The database a JDBC URL names ({@code ""} when it names none). */
    static String databaseOf(String jdbcUrl) {
        int[] span = databaseSpan(jdbcUrl);
        return span[1] > span[0] ? jdbcUrl.substring(span[0] + 1, span[1]) : "";
    }

    /** [start of "/db" (or of the query when there is none), end of "/db"]. */
    private static int[] databaseSpan(String jdbcUrl) {
        int authority = jdbcUrl.indexOf("//");
        if (!jdbcUrl.startsWith("jdbc:postgresql:") || authority < 0) {
            throw new IllegalArgumentException("not a jdbc:postgresql://host:port/db URL: " + jdbcUrl);
        }
        int query = jdbcUrl.indexOf('?', authority + 2);
        int end = query < 0 ? jdbcUrl.length() : query;
        int slash = jdbcUrl.indexOf('/', authority + 2);
        if (slash < 0 || slash > end) {
            return new int[] {end, end};
        }
        return new int[] {slash, end};
    }
}
