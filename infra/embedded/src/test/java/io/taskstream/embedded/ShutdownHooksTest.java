package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ShutdownHooksTest {

    @Test
    void waitsForSpringsContextClosingHookToFinish() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread springHook = new Thread(() -> block(release), "SpringContextShutdownHook");
        springHook.start();
        try {
            CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> ShutdownHooks.awaitSpringHooks(Duration.ofSeconds(30)));
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());
            release.countDown();
            await().atMost(Duration.ofSeconds(5)).until(waiting::isDone);
        } finally {
            release.countDown();
            springHook.join();
        }
    }

    @Test
    void givesUpAfterTheBound() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread stuck = new Thread(() -> block(release), "SpringApplicationShutdownHook");
        stuck.start();
        try {
            CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> ShutdownHooks.awaitSpringHooks(Duration.ofMillis(100)));
            await().atMost(Duration.ofSeconds(5)).until(waiting::isDone);
            assertThat(stuck.isAlive()).isTrue();
        } finally {
            release.countDown();
            stuck.join();
        }
    }

    @Test
    void registeredHooksCanBeRemoved() {
        AtomicBoolean ran = new AtomicBoolean();
        Thread hook = ShutdownHooks.register("test-hook", () -> ran.set(true));
        assertThat(Runtime.getRuntime().removeShutdownHook(hook)).isTrue();
        ShutdownHooks.unregister(hook); // already gone: no error
        ShutdownHooks.unregister(null);
        assertThat(ran).isFalse();
    }

    private static void block(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
