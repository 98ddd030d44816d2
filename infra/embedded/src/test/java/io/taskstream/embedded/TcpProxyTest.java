package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TcpProxyTest {

    private ServerSocket echo;

    @BeforeEach
    void startEcho() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket socket = echo.accept();
                    Thread.ofVirtual().start(() -> {
                        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // the client went away
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    @AfterEach
    void stopEcho() throws IOException {
        echo.close();
    }

    private static String roundTrip(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        return new String(socket.getInputStream().readNBytes(text.length()), StandardCharsets.UTF_8);
    }

    /** Whether a new connection to {@code port} is refused, or dropped without an answer. */
    private static boolean noEchoThrough(int port) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(500);
            socket.getOutputStream().write('x');
            return socket.getInputStream().read() == -1;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void itForwardsBothWaysCutsEveryConnectionAndAcceptsAgainAfterConnect() throws IOException {
        try (TcpProxy proxy = new TcpProxy(echo.getLocalPort())) {
            assertThat(proxy.url()).isEqualTo("redis://127.0.0.1:" + proxy.port());
            Socket first = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
            assertThat(roundTrip(first, "hello")).isEqualTo("hello");

            proxy.cut();

            assertThat(first.getInputStream().read()).as("the open connection was cut").isEqualTo(-1);
            // the listening socket goes away asynchronously (a virtual thread may still sit in accept)
            await().atMost(Duration.ofSeconds(5)).until(() -> noEchoThrough(proxy.port()));

            proxy.connect();

            try (Socket again = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                assertThat(roundTrip(again, "back")).isEqualTo("back");
            }
            first.close();
        }
    }
}
