package com.example.billing;

import org.springframework.stereotype.Component;

import io.taskstream.worker.handler.NonRetryableException;
import io.taskstream.worker.handler.TaskstreamHandler;

/** Annotated methods that fail, each in a way the worker must tell apart. */
@Component
public class Ledger {

    /** Listed in {@code taskstream.worker.non-retryable-exceptions} by the tests. */
    public static class LedgerClosedException extends RuntimeException {
        public LedgerClosedException(String message) {
            super(message);
        }
    }

    public record Period(String month) {}

    @TaskstreamHandler("ledger.post")
    public void post(Period period) {
        throw new LedgerClosedException("ledger " + period.month() + " is closed");
    }

    @TaskstreamHandler("ledger.check")
    public void check(Period period) {
        throw new NonRetryableException("no ledger for " + period.month());
    }

    @TaskstreamHandler("ledger.sync")
    public void sync() {
        throw new IllegalStateException("ledger service unavailable");
    }
}
