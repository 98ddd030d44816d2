package io.taskstream.ingest.sql;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

import io.taskstream.schemas.Json;

/**
 * Columns of many rows as array parameters, for the multi-row statements of the API
 * ({@code INSERT … SELECT … FROM unnest(?::uuid[], ?::text[], …)}): one statement and one round trip
 * for a whole batch, however many rows it has.
 */
public final class SqlArrays {

    private SqlArrays() {
    }

    /**
     * A column as a {@code text[]} parameter; the statement casts it to the column's type. Every value
     * travels as its canonical text form (instants in ISO-8601 UTC), so no JDBC type mapping is involved.
     */
    public static <R> Array text(Connection con, List<R> rows, Function<R, ?> column) throws SQLException {
        String[] values = new String[rows.size()];
        for (int i = 0; i < values.length; i++) {
            Object value = column.apply(rows.get(i));
            values[i] = value == null ? null : value instanceof Instant instant ? instant.toString() : value.toString();
        }
        return con.createArrayOf("text", values);
    }

    /** A column of JSON values (serialized with {@link Json#mapper()}) as a {@code text[]} parameter. */
    public static <R> Array json(Connection con, List<R> rows, Function<R, ?> column) throws SQLException {
        String[] values = new String[rows.size()];
        for (int i = 0; i < values.length; i++) {
            Object value = column.apply(rows.get(i));
            values[i] = value == null ? null : Json.mapper().writeValueAsString(value);
        }
        return con.createArrayOf("text", values);
    }
}
