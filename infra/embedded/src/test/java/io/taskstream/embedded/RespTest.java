package io.taskstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RespTest {

    @Test
    void returnsTheFirstReplyLine() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> request = CompletableFuture.supplyAsync(() -> answer(server, "-NOAUTH Authentication required.\r\n"));
            assertThat(Resp.ping("127.0.0.1", server.getLocalPort(), 2000)).isEqualTo("-NOAUTH Authentication required.");
            assertThat(new String(request.join(), StandardCharsets.US_ASCII)).isEqualTo("*1\r\n$4\r\nPING\r\n");
        }
    }

    @Test
    void failsWhenTheServerHangsUpOrNothingListens() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> request = CompletableFuture.supplyAsync(() -> answer(server, ""));
            assertThatThrownBy(() -> Resp.ping("127.0.0.1", server.getLocalPort(), 2000))
                    .isInstanceOf(IOException.class).hasMessageContaining("closed");
            request.join();
        }
        int closed = FreePorts.find();
        assertThatThrownBy(() -> Resp.ping("127.0.0.1", closed, 500)).isInstanceOf(IOException.class);
        assertThat(FreePorts.accepts("127.0.0.1", closed)).isFalse();
    }

    private static byte[] answer(ServerSocket server, String reply) {
        try (Socket socket = server.accept()) {
            byte[] request = socket.getInputStream().readNBytes(14);
            socket.getOutputStream().write(reply.getBytes(StandardCharsets.US_ASCII));
            return request;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
