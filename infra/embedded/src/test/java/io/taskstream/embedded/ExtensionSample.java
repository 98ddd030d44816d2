package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Run by {@link InfrastructureExtensionIT} through its own JUnit launcher (the name matches
 * neither {@code *Test} nor {@code *IT}, so the build does not run it directly).
 */
@ExtendWith(InfrastructureExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExtensionSample {

    static final List<Infrastructure> RESOLVED = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void beforeAll(Infrastructure infra) {
        RESOLVED.add(infra);
    }

    @Test
    @Order(1)
    void createsATable(Infrastructure infra) throws Exception {
        RESOLVED.add(infra);
        EmbeddedInfrastructureIT.execute(infra, "create table sample_table (id int)");
    }

    @Test
    @Order(2)
    void seesItsOwnTableInTheNextTest(Infrastructure infra) throws Exception {
        RESOLVED.add(infra);
        assertThat(EmbeddedInfrastructureIT.query(infra, "select to_regclass('sample_table') is not null")).isEqualTo("t");
    }
}
