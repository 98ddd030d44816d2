package io.taskstream.worker.samples;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read up to {@code limit} bytes: past the limit the subscription is cancelled (the
 * client then drops the connection) and the body completes with what was read, marked truncated.
 * So a huge or endless response costs at most {@code limit} bytes of memory and no more waiting.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<BoundedBody.Bytes> {

    /** The bytes read, and whether the response had more. */
    record Bytes(byte[] bytes, boolean truncated) {
    }

    private final int limit;
    /** Only touched by the subscriber signals, which the client delivers one at a time. */
    private final ByteArrayOutputStream read = new ByteArrayOutputStream();
    private final CompletableFuture<Bytes> body = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;

    BoundedBody(int limit) {
        this.limit = limit;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        subscription.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        if (body.isDone()) {
            return; // signals may still arrive after a cancel
        }
        for (ByteBuffer buffer : buffers) {
            int take = Math.min(limit - read.size(), buffer.remaining());
            byte[] chunk = new byte[take];
            buffer.get(chunk);
            read.write(chunk, 0, take);
            if (buffer.hasRemaining()) {
                subscription.cancel();
                body.complete(new Bytes(read.toByteArray(), true));
                return;
            }
        }
        subscription.request(1);
    }

    @Override
    public void onError(Throwable error) {
        body.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        body.complete(new Bytes(read.toByteArray(), false));
    }

    @Override
    public CompletionStage<Bytes> getBody() {
        return body;
    }

    /** Stops reading (from any thread): the exchange is abandoned. */
    void abort() {
        Flow.Subscription current = subscription;
        if (current != null) {
            current.cancel();
        }
    }
}
