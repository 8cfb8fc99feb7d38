package org.remotemedia.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class GzipCodecTest {
    private static byte[] sample(int n) {
        byte[] b = new byte[n];
        Random r = new Random(n);
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (r.nextInt(8) + 'a');
        }
        return b;
    }

    @Test
    void inflatesWhatTheJdkGzips() throws Exception {
        try (GzipCodec codec = new GzipCodec(1)) {
            for (int n : new int[] {0, 1, 1000, 200_000}) {
                byte[] plain = sample(n);
                ByteArrayOutputStream bo = new ByteArrayOutputStream();
                try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
                    gz.write(plain);
                }
                ByteBuffer src = ByteBuffer.allocateDirect(bo.size()).put(bo.toByteArray()).flip();
                assertEquals(n, GzipCodec.announcedSize(src));
                ByteBuffer dst = ByteBuffer.allocateDirect(n);
                assertEquals(GzipCodec.OK, codec.inflate(src, dst));
                byte[] out = new byte[n];
                dst.get(0, out);
                assertArrayEquals(plain, out);
            }
        }
    }

    @Test
    void deflatesWhatTheJdkGunzips() throws Exception {
        try (GzipCodec codec = new GzipCodec(1)) {
            for (int n : new int[] {0, 7, 64_000, 300_000}) {
                byte[] plain = sample(n);
                ByteBuffer src = ByteBuffer.allocateDirect(n).put(plain).flip();
                ByteBuffer dst = ByteBuffer.allocateDirect(GzipCodec.maxDeflatedSize(n));
                int w = codec.deflate(src, dst);
                byte[] gz = new byte[w];
                dst.get(0, gz);
                try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
                    assertArrayEquals(plain, in.readAllBytes());
                }
            }
        }
    }

    @Test
    void rejectsCorruptDataAndLyingSizes() throws Exception {
        byte[] plain = sample(5000);
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
            gz.write(plain);
        }
        byte[] good = bo.toByteArray();
        try (GzipCodec codec = new GzipCodec(1)) {
            byte[] flipped = good.clone();
            flipped[good.length / 2] ^= 0x55;
            assertEquals(GzipCodec.ERR_CORRUPT, inflate(codec, flipped, 5000));
            // a trailer that announces less than the data holds: refused, never written past
            byte[] lie = good.clone();
            lie[lie.length - 4] = 100;
            lie[lie.length - 3] = 0;
            assertEquals(GzipCodec.ERR_CORRUPT, inflate(codec, lie, 100));
            assertEquals(GzipCodec.ERR_CORRUPT, inflate(codec, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, 0));
            assertEquals(GzipCodec.OK, inflate(codec, good, 5000));
        }
    }

    private static int inflate(GzipCodec codec, byte[] gz, int size) {
        ByteBuffer src = ByteBuffer.allocateDirect(gz.length).put(gz).flip();
        return codec.inflate(src, ByteBuffer.allocateDirect(size));
    }
}
