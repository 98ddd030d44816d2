package io.taskstream.ingest.auth;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/**
 * Starts the Redis subscription of {@link KeyInvalidations} without holding up the API: the API must
 * start and serve while Redis is down (keys then live out their cache time). One background thread
 * starts the listener container and, should that fail, tries again every {@code retry} until it
 * succeeds or the API stops; once subscribed, the container re-subscribes by itself after Redis comes
 * back (and {@link KeyInvalidations} then empties the key cache, since messages may have been missed).
 */
public class KeyInvalidationSubscription implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(KeyInvalidationSubscription.class);

    private final RedisMessageListenerContainer container;
    private final Duration retry;
    private volatile Thread starter;

    public KeyInvalidationSubscription(RedisMessageListenerContainer container, Duration retry) {
        this.container = container;
        this.retry = retry;
    }

    @Override
    public void start() {
        starter = Thread.ofVirtual().name("key-invalidation-subscriber").start(this::subscribe);
    }

    private void subscribe() {
        boolean warned = false;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                container.start();
                return;
            } catch (RuntimeException e) {
                if (!warned) {
                    log.warn("Cannot subscribe to key changes on Redis ({}); retrying every {}. Until then a key "
                            + "revoked on another node is refused here only when its cache entry expires", e.toString(),
                            retry);
                    warned = true;
                }
            }
            try {
                Thread.sleep(retry);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void stop() {
        Thread thread = starter;
        if (thread != null) {
            thread.interrupt();
        }
        starter = null;
        container.stop();
    }

    @Override
    public boolean isRunning() {
        return starter != null;
    }
}
