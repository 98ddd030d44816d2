package io.taskstream.worker.heartbeat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A real poll loop over partition 0 of a Kafka topic, on a platform thread of its own, that tests
 * can break: {@link #die()} ends its thread with an exception (as an {@code Error} would end the
 * worker's), {@link #hang()} blocks it outside {@code poll} until it is interrupted. Each
 * {@link #restart()} (the {@link Supervised} contract: interrupt, wait for the thread, start anew)
 * runs a new generation with a fresh consumer, which reads the partition from the start; what each
 * generation read is kept.
 */
final class KafkaPollLoop implements Supervised, AutoCloseable {

    /** A value read, and by which generation of the loop. */
    record Read(int generation, String value) {
    }

    private final String bootstrap;
    private final TopicPartition partition;
    private final AtomicLong polls = new AtomicLong();
    private final AtomicInteger generations = new AtomicInteger();
    final List<Read> reads = new CopyOnWriteArrayList<>();
    final AtomicInteger restarts = new AtomicInteger();

    /** Guarded by this: the current generation. */
    private Run run;

    KafkaPollLoop(String bootstrap, String topic) {
        this.bootstrap = bootstrap;
        this.partition = new TopicPartition(topic, 0);
    }

    synchronized KafkaPollLoop start() {
        run = new Run(generations.incrementAndGet());
        run.thread.start();
        return this;
    }

    /** Makes the thread throw at its next turn; it ends, leaving its consumer open, as a crash would. */
    void die() {
        current().dying = true;
    }

    /** Makes the thread stop polling and wait, until it is interrupted. */
    void hang() {
        current().hanging = true;
    }

    /** Whether the current generation's thread is waiting in {@link #hang()}. */
    boolean isHanging() {
        return current().hung.getCount() == 0;
    }

    Thread thread() {
        return current().thread;
    }

    int generation() {
        return current().generation;
    }

    boolean hasRead(int generation, String value) {
        return reads.contains(new Read(generation, value));
    }

    private synchronized Run current() {
        return run;
    }

    @Override
    public String name() {
        return "test-poll-loop";
    }

    @Override
    public boolean isAlive() {
        Run current = current();
        return current != null && !current.stopped && current.thread.isAlive();
    }

    @Override
    public long progress() {
        return polls.get();
    }

    @Override
    public synchronized void restart() {
        restarts.incrementAndGet();
        end(run);
        start();
    }

    @Override
    public synchronized void close() {
        if (run != null) {
            end(run);
        }
    }

    private static void end(Run run) {
        run.stopped = true;
        run.consumer.wakeup();
        run.thread.interrupt();
        try {
            run.thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (run.thread.isAlive()) {
            throw new IllegalStateException("generation " + run.generation + " of the loop did not end");
        }
        try {
            run.consumer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            // closed already, or interrupted: the consumer is gone either way
        }
    }

    /** One generation: a thread and the consumer it owns. */
    private final class Run {

        final int generation;
        final KafkaConsumer<String, String> consumer;
        final Thread thread;
        final CountDownLatch hung = new CountDownLatch(1);
        volatile boolean stopped;
        volatile boolean dying;
        volatile boolean hanging;

        Run(int generation) {
            this.generation = generation;
            this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                    new StringDeserializer(), new StringDeserializer());
            this.thread = Thread.ofPlatform().name("test-poll-loop-" + generation).unstarted(this::loop);
            this.thread.setUncaughtExceptionHandler((t, e) -> {
                // the test killed it on purpose
            });
        }

        private void loop() {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            while (!stopped) {
                if (dying) {
                    throw new IllegalStateException("killed by the test");
                }
                if (hanging) {
                    hung.countDown();
                    try {
                        new CountDownLatch(1).await(); // until interrupted
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                try {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(50))) {
                        reads.add(new Read(generation, record.value()));
                    }
                    polls.incrementAndGet();
                } catch (WakeupException | InterruptException e) {
                    return;
                }
            }
        }
    }
}
