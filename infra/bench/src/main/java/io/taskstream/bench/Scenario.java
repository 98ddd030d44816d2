package io.taskstream.bench;

import java.io.PrintStream;

/** A benchmark scenario of {@code ./taskstream bench}: runs against a running Taskstream and prints its report. */
sealed interface Scenario permits SubmitScenario, ScheduleScenario {

    /** Runs the scenario, prints its report on {@code out} and answers what it measured. */
    Object run(PrintStream out) throws Exception;
}
