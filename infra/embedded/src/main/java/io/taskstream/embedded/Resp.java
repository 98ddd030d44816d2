package io.taskstream.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Just enough of the Redis protocol to ask a server whether it is up. */
final class Resp {

    private Resp() {
    }

    /**
     * Sends {@code PING} and returns the first reply line ({@code +PONG}, or an error such as
     * {@code -NOAUTH ...} or {@code -LOADING ...}).
     *
     * @throws IOException when nothing answers within the timeout
     */
    static String ping(String host, int port, int timeoutMillis) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            out.write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            String line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed by " + host + ":" + port + " before a reply");
            }
            return line;
        }
    }
}
