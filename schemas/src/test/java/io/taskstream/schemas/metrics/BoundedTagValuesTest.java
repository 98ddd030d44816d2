package io.taskstream.schemas.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

class BoundedTagValuesTest {

    @Test
    void theFirstValuesAreKeptAndLaterOnesAreOther() {
        BoundedTagValues tenants = new BoundedTagValues(2);

        assertThat(tenants.of("acme")).isEqualTo("acme");
        assertThat(tenants.of("globex")).isEqualTo("globex");
        assertThat(tenants.of("initech")).as("the third distinct value").isEqualTo(BoundedTagValues.OTHER);
        assertThat(tenants.of("acme")).as("a kept value stays kept").isEqualTo("acme");
        assertThat(tenants.of("globex")).isEqualTo("globex");
        assertThat(tenants.of("initech")).as("and a refused one stays refused").isEqualTo("other");
    }

    @Test
    void aValueSeenAgainDoesNotTakeAnotherPlace() {
        BoundedTagValues types = new BoundedTagValues(2);

        for (int i = 0; i < 10; i++) {
            types.of("email.send");
        }

        assertThat(types.of("report.generate")).isEqualTo("report.generate");
        assertThat(types.of("log")).isEqualTo("other");
    }

    @Test
    void aMissingValueIsUnknownAndTakesNoPlace() {
        BoundedTagValues types = new BoundedTagValues(1);

        assertThat(types.of(null)).isEqualTo(BoundedTagValues.UNKNOWN);
        assertThat(types.of("")).isEqualTo("unknown");
        assertThat(types.of("email.send")).isEqualTo("email.send");
    }

    @Test
    void theDefaultBoundIsAHundred() {
        BoundedTagValues tenants = BoundedTagValues.ofDefaultSize();

        for (int i = 0; i < 100; i++) {
            assertThat(tenants.of("tenant-" + i)).isEqualTo("tenant-" + i);
        }
        assertThat(tenants.of("tenant-100")).isEqualTo("other");
        assertThat(tenants.max()).isEqualTo(100);
    }

    @Test
    void theBoundHoldsWhenThreadsRaceForTheLastPlaces() throws Exception {
        BoundedTagValues tenants = new BoundedTagValues(50);
        List<Callable<List<String>>> racers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            racers.add(() -> {
                List<String> seen = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    seen.add(tenants.of("tenant-" + ((i * 7 + thread * 13) % 100)));
                }
                return seen;
            });
        }
        Set<String> reported = new HashSet<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
            for (Future<List<String>> seen : threads.invokeAll(racers)) {
                reported.addAll(seen.get());
            }
        }

        assertThat(reported).contains("other").hasSize(51);
    }

    @Test
    void aBoundBelowOneFailsNamingTheProperty() {
        assertThatThrownBy(() -> new BoundedTagValues(0))
                .hasMessage("taskstream.metrics.max-tag-values must be at least 1 (was 0)");
    }
}
