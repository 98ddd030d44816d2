package io.taskstream.bench.process;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A child JVM for {@link ProcessSamplerTest}: says {@code ready}, then burns CPU and allocates until its
 * stdin closes (the test's way to make it exit), or after a minute should the test die without closing it.
 */
public final class BusyChild {

    private BusyChild() {
    }

    public static void main(String[] args) throws IOException {
        Thread exitOnEof = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // drain: only the end of the stream matters
                }
            } catch (IOException e) {
                // the pipe broke: the parent is gone, so go too
            }
            System.exit(0);
        });
        exitOnEof.setDaemon(true);
        exitOnEof.start();
        System.out.println("ready");
        System.out.flush();
        List<byte[]> live = new ArrayList<>();
        long deadline = System.nanoTime() + 60_000_000_000L;
        long sum = 0;
        while (System.nanoTime() < deadline) {
            // keep ~4 MB reachable so the heap is visibly used, and churn the rest
            live.add(new byte[64 * 1024]);
            if (live.size() > 64) {
                live.remove(0);
            }
            for (int i = 0; i < 100_000; i++) {
                sum += i * 31L ^ sum;
            }
        }
        System.out.println(sum);
    }
}
