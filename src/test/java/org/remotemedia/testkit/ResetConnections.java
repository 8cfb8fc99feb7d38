package org.remotemedia.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Connections a client ends with a TCP RST, as churning clients, balancers' checks and killed
 * processes do: ConnectionChurnTest's and perf's HostilePeers' churn, and DistributionTest's
 * check that a reset leaves the daemon's log clean.
 */
public final class ResetConnections {
    private static final byte[] PREFACE_AND_SETTINGS = prefaceAndEmptySettings();

    private ResetConnections() {
    }

    /** One connection to 127.0.0.1:{@code port}, closed with RST; with the HTTP/2 handshake first if asked. */
    public static void openAndClose(int port, boolean handshake) throws IOException {
        openAndClose(port, handshake, 0);
    }

    /**
     * The same, waiting {@code idleMillis} after the handshake, so that the server has written all
     * it had and meets the RST idle, in a read (a reset right after the handshake mostly meets a write).
     */
    public static void openAndClose(int port, boolean handshake, long idleMillis) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoLinger(true, 0); // close with RST: no TIME_WAIT left to exhaust local ports
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            if (handshake) {
                s.setSoTimeout(5_000);
                OutputStream out = s.getOutputStream();
                out.write(PREFACE_AND_SETTINGS);
                out.flush();
                readServerSettingsHeader(s.getInputStream());
                if (idleMillis > 0) {
                    Thread.sleep(idleMillis);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** The server's first frame is its SETTINGS: once its header is here, the connection handler exists. */
    private static void readServerSettingsHeader(InputStream in) throws IOException {
        byte[] header = new byte[9];
        int n = 0;
        while (n < header.length) {
            int r = in.read(header, n, header.length - n);
            if (r < 0) {
                throw new IOException("server closed the connection before its SETTINGS");
            }
            n += r;
        }
        if (header[3] != 0x4) {
            throw new IOException("the server's first frame is type " + header[3] + ", not SETTINGS");
        }
    }

    private static byte[] prefaceAndEmptySettings() {
        byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[preface.length + 9];
        System.arraycopy(preface, 0, out, 0, preface.length);
        out[preface.length + 3] = 0x4; // SETTINGS, length 0, no flags, stream 0
        return out;
    }
}
