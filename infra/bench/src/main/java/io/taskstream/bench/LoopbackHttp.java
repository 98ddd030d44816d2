package io.taskstream.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A deliberately small HTTP/1.1 client for the load generator: keep-alive connections in a pool, one
 * request at a time per connection, the answer's status read and its body skipped. It exists because
 * the JDK's {@code HttpClient} spent about as much CPU as the API it measured (on a 2-core machine the
 * generator must stay light, or it measures itself). Bodies are skipped by {@code Content-Length} or
 * chunked encoding; anything else is an {@link IOException} (the connection is dropped).
 */
public final class LoopbackHttp implements AutoCloseable {

    private final InetSocketAddress address;
    private final String host;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();

    public LoopbackHttp(URI base) {
        int port = base.getPort() < 0 ? 80 : base.getPort();
        if (!"http".equals(base.getScheme())) {
            throw new IllegalArgumentException("only http:// is supported, not " + base);
        }
        this.address = new InetSocketAddress(base.getHost(), port);
        this.host = base.getHost() + ":" + port;
    }

    /** Sends {@code POST path} with {@code headers} (each {@code "Name: value"}) and a JSON body; returns the status. */
    public int post(String path, byte[] body, String... headers) throws IOException {
        StringBuilder head = new StringBuilder(256).append("POST ").append(path).append(" HTTP/1.1\r\nHost: ")
                .append(host).append("\r\nContent-Type: application/json\r\nContent-Length: ").append(body.length)
                .append("\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        Connection connection = idle.pollFirst();
        if (connection == null) {
            connection = new Connection(address);
        }
        try {
            int status = connection.exchange(request);
            if (connection.keepAlive) {
                idle.addFirst(connection);
            } else {
                connection.close();
            }
            return status;
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    @Override
    public void close() {
        Connection connection;
        while ((connection = idle.pollFirst()) != null) {
            connection.close();
        }
    }

    private static final class Connection {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        /** False once the server said {@code Connection: close} (Tomcat does after 100 requests). */
        private boolean keepAlive = true;

        Connection(InetSocketAddress address) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(address, 5000);
            // no read timeout: the JDK turns a timed read into poll() + a non-blocking read (13 % of the
            // generator's CPU); the open loop stops waiting for answers after its drain timeout anyway
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        }

        /** Sends the whole request (head and body) in one write: one segment, as a real client would. */
        int exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String statusLine = line();
            if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
                throw new IOException("not an HTTP/1.1 answer: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(lower.substring(15).strip());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                } else if (lower.startsWith("connection:") && lower.contains("close")) {
                    keepAlive = false;
                }
            }
            if (chunked) {
                for (long size = Long.parseLong(line().split(";")[0].strip(), 16); size > 0;
                        size = Long.parseLong(line().split(";")[0].strip(), 16)) {
                    skip(size);
                    line();
                }
                line();
            } else if (length > 0) {
                skip(length);
            } else if (length < 0 && status != 204 && status != 304) {
                throw new IOException("an answer without a length cannot be kept alive");
            }
            return status;
        }

        private void skip(long n) throws IOException {
            long left = n;
            while (left > 0) {
                long skipped = in.skip(left);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        throw new IOException("connection closed in a body");
                    }
                    skipped = 1;
                }
                left -= skipped;
            }
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder(64);
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing a broken connection: nothing left to do
            }
        }
    }
}
