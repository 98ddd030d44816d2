package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatabasesTest {

    @Test
    void uniqueNamesAreSafeIdentifiersThatKeepTheHint() {
        String name = Databases.uniqueName("My Test-Class$Inner");
        assertThat(name).matches("ts_my_test_class_inner_[0-9a-f]{12}");
        assertThat(Databases.uniqueName("My Test-Class$Inner")).isNotEqualTo(name);
        assertThat(Databases.uniqueName(null)).matches("ts_[0-9a-f]{12}");
        assertThat(Databases.uniqueName("__")).matches("ts_[0-9a-f]{12}");
        assertThat(Databases.uniqueName("x".repeat(200))).hasSizeLessThanOrEqualTo(63).startsWith("ts_" + "x".repeat(40) + "_");
    }

    @Test
    void replacesTheDatabaseOfAJdbcUrl() {
        assertThat(Databases.withDatabase("jdbc:postgresql://h:5432/test", "d")).isEqualTo("jdbc:postgresql://h:5432/d");
        assertThat(Databases.withDatabase("jdbc:postgresql://h:5432/test?ssl=false&x=/y", "d"))
                .isEqualTo("jdbc:postgresql://h:5432/d?ssl=false&x=/y");
        assertThat(Databases.withDatabase("jdbc:postgresql://h:5432", "d")).isEqualTo("jdbc:postgresql://h:5432/d");
        assertThat(Databases.withDatabase("jdbc:postgresql://h?ssl=true", "d")).isEqualTo("jdbc:postgresql://h/d?ssl=true");
        assertThat(Databases.withDatabase("jdbc:postgresql://h1:1,h2:2/test", "d")).isEqualTo("jdbc:postgresql://h1:1,h2:2/d");
    }

    @Test
    void readsTheDatabaseOfAJdbcUrl() {
        assertThat(Databases.databaseOf("jdbc:postgresql://h:5432/test?x=1")).isEqualTo("test");
        assertThat(Databases.databaseOf("jdbc:postgresql://h:5432")).isEmpty();
        assertThatThrownBy(() -> Databases.databaseOf("jdbc:mysql://h/db")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reportsTheStatementAndServerWhenSqlFails() {
        int closed = FreePorts.find();
        Infrastructure nowhere = new Infrastructure("k", "jdbc:postgresql://127.0.0.1:" + closed + "/x", "u", "", "redis://h");
        assertThatThrownBy(() -> Databases.create(nowhere, "ts_a"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CREATE DATABASE \"ts_a\"")
                .hasMessageContaining(":" + closed + "/x");
    }
}
