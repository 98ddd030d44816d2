package io.taskstream.ingest.config;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/** Waiting for Kafka to acknowledge a record the API must not answer before it is durable. */
public final class KafkaAcks {

    private KafkaAcks() {
    }

    /**
     * Sends (a producer may refuse at once, e.g. without metadata) and waits up to {@code timeout} for the
     * acknowledgement; a refusal, a failure, a timeout or an interruption (the flag is kept) becomes
     * {@code failure.apply(cause)}, thrown.
     */
    public static void sendAndAwait(Supplier<? extends Future<?>> send, Duration timeout,
                                    Function<Throwable, ? extends RuntimeException> failure) {
        try {
            send.get().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure.apply(e);
        } catch (ExecutionException e) {
            throw failure.apply(e.getCause());
        } catch (TimeoutException | RuntimeException e) {
            throw failure.apply(e);
        }
    }
}
