package io.taskstream.lock;

/** Why a holder lost its {@link Lease} before releasing it. */
public enum LossReason {

    /**
     * Redis answered that the lease key is gone or belongs to another holder: the lease expired
     * (and may have been acquired by someone else since), or Redis lost its data in a restart.
     */
    TAKEN_OVER,

    /**
     * Renewals could not reach Redis before the lease's TTL ran out on the local clock, so
     * another worker may hold it by now.
     */
    EXPIRED,

    /** The {@link LeaseManager} was closed while the lease was held; it is no longer renewed. */
    MANAGER_CLOSED
}
