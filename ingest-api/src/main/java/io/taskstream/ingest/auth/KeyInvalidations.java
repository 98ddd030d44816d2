package io.taskstream.ingest.auth;

import java.nio.charset.StandardCharsets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Tells every API node that a key changed (revoked, rotated, minted), so that each evicts it from its
 * {@link ApiKeyAuthenticator} cache: a message with the key's prefix on one Redis pub/sub channel, which
 * every node subscribes to (this class is also the listener). Pub/sub delivers to the nodes connected at
 * the moment; a node that is not (Redis down, a reconnect) keeps the old state until its cache entry
 * expires (5 minutes by default) — or until it subscribes again: every (re)subscription empties the
 * node's key cache, since messages may have been missed meanwhile. The node that made the change evicts
 * its own entry directly.
 */
public class KeyInvalidations implements MessageListener, SubscriptionListener {

    private static final Logger log = LoggerFactory.getLogger(KeyInvalidations.class);

    private final StringRedisTemplate redis;
    private final String channel;
    private final ApiKeyAuthenticator authenticator;

    public KeyInvalidations(StringRedisTemplate redis, String channel, ApiKeyAuthenticator authenticator) {
        this.redis = redis;
        this.channel = channel;
        this.authenticator = authenticator;
    }

    public String channel() {
        return channel;
    }

    /** Evicts {@code prefix} here and asks every other node to; a Redis failure is logged, not thrown. */
    public void changed(String prefix) {
        authenticator.evict(prefix);
        try {
            redis.convertAndSend(channel, prefix);
        } catch (RuntimeException e) {
            log.warn("Could not tell the other API nodes that key {} changed (Redis: {}); they notice when "
                    + "their cache entry expires", prefix, e.toString());
        }
    }

    /** A (re)subscription: whatever was published while this node was not listening is unknown. */
    @Override
    public void onChannelSubscribed(byte[] channel, long count) {
        authenticator.evictAll();
        log.info("Listening for key changes on Redis channel {}; the key cache was emptied", this.channel);
    }

    @Override
    public void onMessage(Message message, byte[] pattern) {
        authenticator.evict(new String(message.getBody(), StandardCharsets.UTF_8));
    }
}
