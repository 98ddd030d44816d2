package io.taskstream.lock.internal;

/**
 * Who holds a lease: what the lease key's value says, and what renewals and releases compare
 * against.
 */
public record Holder(String resource, String owner, long fencingToken) {

    /** The lease key's value, {@code <owner>:<fencingToken>}; unique per lease thanks to the token. */
    public String value() {
        return owner + ':' + fencingToken;
    }
}
