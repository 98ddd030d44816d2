package io.taskstream.lock;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A {@code redis-server} child process of the test's own, which the test can kill and start again
 * on the same port: a shared server cannot be restarted under other tests' feet. Needs
 * {@code redis-server} on the PATH.
 */
final class RedisServerProcess implements AutoCloseable {

    private final int port;
    private final boolean persistent;
    private final Path dir;
    private final Thread killOnExit;
    private Process process;

    private RedisServerProcess(boolean persistent) throws IOException {
        this.port = freePort();
        this.persistent = persistent;
        this.dir = Files.createTempDirectory("redis-lock-it-");
        this.killOnExit = new Thread(this::kill, "kill-redis-server-" + port);
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** A server that keeps nothing across restarts, like a cache-configured Redis. */
    static RedisServerProcess startVolatile() {
        return startNew(false);
    }

    /** A server that writes every command to its append-only file before answering. */
    static RedisServerProcess startPersistent() {
        return startNew(true);
    }

    private static RedisServerProcess startNew(boolean persistent) {
        try {
            RedisServerProcess server = new RedisServerProcess(persistent);
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the server (again) on its port and waits until it answers PING. */
    synchronized void start() {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--dir", dir.toString(), "--save", ""));
        command.addAll(persistent
                ? List.of("--appendonly", "yes", "--appendfsync", "always")
                : List.of("--appendonly", "no"));
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server (is it on the PATH?)", e);
        }
        Process started = process;
        await("redis-server on port " + port + " answers PING")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    if (!started.isAlive()) {
                        throw new IllegalStateException("redis-server exited: " + log());
                    }
                    return answersPing();
                });
    }

    /** Kills the server like a crash (SIGKILL): nothing is flushed beyond what it already wrote. */
    synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis-server on port " + port + " did not die");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    void restart() {
        kill();
        start();
    }

    @Override
    public void close() {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }

    private boolean answersPing() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[7];
            int read = in.readNBytes(reply, 0, reply.length);
            return new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    private String log() throws IOException {
        Path log = dir.resolve("redis.log");
        return Files.exists(log) ? Files.readString(log) : "(no log)";
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
