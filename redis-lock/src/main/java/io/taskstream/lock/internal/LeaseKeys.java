package io.taskstream.lock.internal;

/**
 * The key naming scheme, in one place. The resource sits in a hash tag ({@code {…}}) so that both
 * keys of a resource land in the same Redis Cluster slot, which a Lua script touching both needs.
 */
public record LeaseKeys(String prefix) {

    public LeaseKeys {
        if (prefix == null || prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException("key prefix must be non-null and free of '{' and '}' "
                    + "(they would move the Redis Cluster hash tag), got: " + prefix);
        }
    }

    /** {@code <prefix>lease:{<resource>}}: holds {@code <owner>:<token>} while the lease is held. */
    public String lease(String resource) {
        return prefix + "lease:{" + resource + '}';
    }

    /** {@code <prefix>fence:{<resource>}}: the last fencing token handed out for the resource. */
    public String fence(String resource) {
        return prefix + "fence:{" + resource + '}';
    }
}
