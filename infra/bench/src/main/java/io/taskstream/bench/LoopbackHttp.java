package io.taskstream.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A deliberately small, non-blocking HTTP/1.1 client for the load generator: keep-alive connections in
 * a pool, one request at a time per connection. The caller's thread writes a request (one write: head
 * and body in one segment, as a real client sends them); one reader thread waits on every connection
 * at once (a {@link Selector}) and completes each request's future with the answer's status, its body
 * skipped. It exists because the JDK's {@code HttpClient} spent about as much CPU as the API it
 * measured, and a blocking thread per request still ≈ 0.2 core at 1,000 requests/s: on a 2-core
 * machine the generator must stay light, or it measures itself. Bodies are skipped by
 * {@code Content-Length} or chunked encoding; an answer with neither fails its request (the connection
 * is dropped), as does a connection that closes before its answer is complete.
 */
public final class LoopbackHttp implements AutoCloseable {

    /** How long a request may wait for the socket to take it (a server that reads nothing). */
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(5);
    /** Room for an answer's head; bodies are skipped as they stream through. */
    private static final int BUFFER_BYTES = 16 * 1024;

    private final InetSocketAddress address;
    private final String host;
    private final Selector selector;
    private final Thread reader;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public LoopbackHttp(URI base) throws IOException {
        if (!"http".equals(base.getScheme())) {
            throw new IllegalArgumentException("only http:// is supported, not " + base);
        }
        int port = base.getPort() < 0 ? 80 : base.getPort();
        this.address = new InetSocketAddress(base.getHost(), port);
        this.host = base.getHost() + ":" + port;
        this.selector = Selector.open();
        this.reader = Thread.ofPlatform().name("loopback-http-reader").daemon().start(this::readAnswers);
    }

    /**
     * Sends {@code POST path} with {@code headers} (each {@code "Name: value"}) and a JSON body on an idle
     * connection (or a new one); the future completes with the answer's status, or fails with an
     * {@link IOException}.
     */
    public CompletableFuture<Integer> post(String path, byte[] body, String... headers) {
        StringBuilder head = new StringBuilder(256).append("POST ").append(path).append(" HTTP/1.1\r\nHost: ")
                .append(host).append("\r\nContent-Type: application/json\r\nContent-Length: ").append(body.length)
                .append("\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);

        CompletableFuture<Integer> answer = new CompletableFuture<>();
        Connection connection = idle.pollFirst();
        try {
            if (closed) {
                throw new IOException("the client is closed");
            }
            if (connection == null) {
                connection = connect();
            }
            connection.send(request, answer);
        } catch (IOException e) {
            if (connection != null) {
                connection.close(e);
            }
            answer.completeExceptionally(e);
        }
        return answer;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        selector.wakeup();
        reader.join(Duration.ofSeconds(5));
        for (Connection connection : List.copyOf(open)) {
            connection.close(new IOException("the client was closed before the answer came"));
        }
        try {
            selector.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }

    private Connection connect() throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.connect(address);
            channel.configureBlocking(false);
            Connection connection = new Connection(channel);
            open.add(connection);
            // seen by the reader's next select, which the wake-up starts at once
            channel.register(selector, SelectionKey.OP_READ, connection);
            selector.wakeup();
            return connection;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private void readAnswers() {
        while (!closed) {
            try {
                selector.select(key -> ((Connection) key.attachment()).readable());
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    System.err.println("loopback-http: the selector failed: " + e);
                }
                return;
            }
        }
    }

    /** Where the reader is in the current answer. */
    private enum Phase {
        HEAD, BODY, CHUNK_SIZE, CHUNK_DATA, TRAILER
    }

    private final class Connection {
        private final SocketChannel channel;
        /** The request on this connection that waits for its answer; set by the sender before it writes. */
        private volatile CompletableFuture<Integer> waiting;
        // the reader thread's alone:
        private final ByteBuffer in = ByteBuffer.allocate(BUFFER_BYTES);
        private Phase phase = Phase.HEAD;
        private int status;
        private long remaining;
        /** False once the server said {@code Connection: close} (Tomcat does after its keep-alive limit). */
        private boolean keepAlive;

        Connection(SocketChannel channel) {
            this.channel = channel;
        }

        void send(byte[] request, CompletableFuture<Integer> answer) throws IOException {
            waiting = answer;
            ByteBuffer out = ByteBuffer.wrap(request);
            long deadline = System.nanoTime() + WRITE_TIMEOUT.toNanos();
            while (out.hasRemaining()) {
                if (channel.write(out) == 0) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IOException("the server took no request for " + WRITE_TIMEOUT.toSeconds() + " s");
                    }
                    Thread.onSpinWait();
                }
            }
        }

        void readable() {
            try {
                if (channel.read(in) < 0) {
                    throw new IOException(waiting == null ? "the server closed the connection"
                            : "the server closed the connection before the answer was complete");
                }
                in.flip();
                while (answerComplete()) {
                    CompletableFuture<Integer> answer = waiting;
                    waiting = null;
                    if (answer == null) {
                        throw new IOException("an answer nobody asked for");
                    }
                    if (keepAlive) {
                        idle.addFirst(this);
                    } else {
                        close(null);
                    }
                    answer.complete(status);
                }
                in.compact();
            } catch (IOException | RuntimeException e) {
                close(e instanceof IOException io ? io : new IOException(e));
            }
        }

        /** Consumes what has arrived of the current answer; true once it is complete. */
        private boolean answerComplete() throws IOException {
            while (true) {
                switch (phase) {
                    case HEAD -> {
                        int end = endOfHead();
                        if (end < 0) {
                            if (in.position() == 0 && in.limit() == in.capacity()) {
                                throw new IOException("an answer head longer than " + BUFFER_BYTES + " bytes");
                            }
                            return false;
                        }
                        String head = new String(in.array(), in.position(), end - in.position(),
                                StandardCharsets.ISO_8859_1);
                        in.position(end);
                        if (head(head)) {
                            return true;
                        }
                    }
                    case BODY, CHUNK_DATA -> {
                        int skipped = (int) Math.min(remaining, in.remaining());
                        in.position(in.position() + skipped);
                        remaining -= skipped;
                        if (remaining > 0) {
                            return false;
                        }
                        if (phase == Phase.BODY) {
                            phase = Phase.HEAD;
                            return true;
                        }
                        phase = Phase.CHUNK_SIZE;
                    }
                    case CHUNK_SIZE -> {
                        String line = line();
                        if (line == null) {
                            return false;
                        }
                        long size = Long.parseLong(line.split(";", 2)[0].strip(), 16);
                        remaining = size + 2; // the data and its CRLF
                        phase = size == 0 ? Phase.TRAILER : Phase.CHUNK_DATA;
                    }
                    case TRAILER -> {
                        String line = line();
                        if (line == null) {
                            return false;
                        }
                        if (line.isEmpty()) {
                            phase = Phase.HEAD;
                            return true;
                        }
                    }
                }
            }
        }

        /** Reads the status line and headers; true when the answer has no body (it is complete). */
        private boolean head(String head) throws IOException {
            String[] lines = head.split("\r\n");
            String statusLine = lines[0];
            if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
                throw new IOException("not an HTTP/1.1 answer: " + statusLine);
            }
            status = Integer.parseInt(statusLine.substring(9, 12));
            keepAlive = true;
            long length = -1;
            boolean chunked = false;
            for (int i = 1; i < lines.length; i++) {
                String lower = lines[i].toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(lower.substring(15).strip());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                } else if (lower.startsWith("connection:") && lower.contains("close")) {
                    keepAlive = false;
                }
            }
            if (chunked) {
                phase = Phase.CHUNK_SIZE;
                return false;
            }
            if (length > 0) {
                remaining = length;
                phase = Phase.BODY;
                return false;
            }
            if (length < 0 && status != 204 && status != 304) {
                throw new IOException("an answer without a length cannot be kept alive");
            }
            return true;
        }

        /** The position just after the head's blank line, or -1 when it has not all arrived. */
        private int endOfHead() {
            byte[] bytes = in.array();
            for (int i = in.position(); i + 3 < in.limit(); i++) {
                if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
                    return i + 4;
                }
            }
            return -1;
        }

        /** The next line without its CRLF, or null when it has not all arrived. */
        private String line() throws IOException {
            byte[] bytes = in.array();
            for (int i = in.position(); i < in.limit(); i++) {
                if (bytes[i] == '\n') {
                    int end = i > in.position() && bytes[i - 1] == '\r' ? i - 1 : i;
                    String line = new String(bytes, in.position(), end - in.position(), StandardCharsets.ISO_8859_1);
                    in.position(i + 1);
                    return line;
                }
            }
            if (in.position() == 0 && in.limit() == in.capacity()) {
                throw new IOException("a chunk line longer than " + BUFFER_BYTES + " bytes");
            }
            return null;
        }

        void close(IOException cause) {
            idle.remove(this);
            open.remove(this);
            try {
                channel.close();
            } catch (IOException e) {
                // closing a broken connection: nothing left to do
            }
            CompletableFuture<Integer> answer = waiting;
            waiting = null;
            if (answer != null) {
                answer.completeExceptionally(cause != null ? cause : new IOException("the connection was closed"));
            }
        }
    }
}
