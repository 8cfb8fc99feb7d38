package org.remotemedia.deploy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HAProxy or nginx, started from the file an operator copies (deploy/haproxy/haproxy.cfg,
 * deploy/nginx/nginx.conf) with only its addresses and log paths replaced: the balancer's
 * 127.0.0.1:50050 and the daemons' 127.0.0.1:50051..50053 (and, for HAProxy, their check ports
 * 9091..9093) become the free ports this run got. Every replaced text must be in the file, so a
 * change to the file that the test no longer matches fails here instead of testing something else.
 * Runs in the foreground, its output in target/balancer-test/; stopped by its PID (and nginx's
 * workers, its children, with it).
 */
final class BalancerProcess implements AutoCloseable {
    final String kind;
    final int port;
    private final Process process;
    private final Path log;
    /** HAProxy's stats socket (added by the test, not in deploy/), for {@link #internals}; null for nginx. */
    private Path statsSocket;

    /** The balancer's binary: Debian puts both in /usr/sbin, which a user's PATH may lack. */
    static Path binary(String kind) {
        for (String dir : new String[] {"/usr/sbin", "/usr/bin", "/usr/local/sbin"}) {
            Path p = Path.of(dir, kind);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private BalancerProcess(String kind, int port, List<String> cmd, Path log) throws IOException {
        this.kind = kind;
        this.port = port;
        this.log = log;
        this.process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        process.getOutputStream().close();
    }

    /**
     * Starts {@code kind} on {@code port} in front of the daemons at {@code grpcPorts} (checks on
     * {@code metricsPorts}), its configuration and files in {@code dir}; returns once it accepts connections.
     */
    static BalancerProcess start(String kind, Path dir, int port, int[] grpcPorts, int[] metricsPorts) throws Exception {
        Path log = Path.of("target", "balancer-test", kind + "-" + System.currentTimeMillis() + ".log");
        Files.createDirectories(log.getParent());
        Map<String, String> replace = new LinkedHashMap<>();
        String listen = kind.equals("haproxy") ? "bind " : "listen ";
        replace.put(listen + "127.0.0.1:50050 ", listen + "127.0.0.1:" + port + " ");
        for (int i = 0; i < 3; i++) {
            replace.put("127.0.0.1:" + (50051 + i) + " ", "127.0.0.1:" + grpcPorts[i] + " ");
        }
        List<String> cmd = new ArrayList<>();
        Path conf;
        if (kind.equals("haproxy")) {
            for (int i = 0; i < 3; i++) {
                replace.put(" port " + (9091 + i) + " ", " port " + metricsPorts[i] + " ");
            }
            replace.put("    maxconn 8000\n", "    maxconn 8000\n    stats socket " + dir.resolve("haproxy.sock")
                    + " mode 600 level admin\n");
            conf = write(Path.of("deploy/haproxy/haproxy.cfg"), dir.resolve("haproxy.cfg"), replace);
            cmd.addAll(List.of(binary(kind).toString(), "-db", "-f", conf.toString())); // -db: foreground
        } else {
            replace.put("error_log /var/log/nginx/error.log notice;", "error_log stderr notice;");
            replace.put("access_log /var/log/nginx/remotemedia-access.log grpc;",
                    "access_log " + log.toAbsolutePath() + ".access grpc;");
            conf = write(Path.of("deploy/nginx/nginx.conf"), dir.resolve("nginx.conf"), replace);
            cmd.addAll(List.of(binary(kind).toString(), "-p", dir.toString(), "-c", conf.toString(),
                    "-g", "daemon off; pid " + dir.resolve("nginx.pid") + ";"));
        }
        BalancerProcess b = new BalancerProcess(kind, port, cmd, log);
        if (kind.equals("haproxy")) {
            b.statsSocket = dir.resolve("haproxy.sock");
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return b;
            } catch (IOException notYet) {
                if (!b.process.isAlive() || System.nanoTime() > until) {
                    b.close();
                    throw new IllegalStateException(kind + " did not open port " + port + ": " + b.tail());
                }
                Thread.sleep(50);
            }
        }
    }

    /** {@code from} with every key of {@code replace} (each exactly once there) replaced, in one pass. */
    private static Path write(Path from, Path to, Map<String, String> replace) throws IOException {
        String text = Files.readString(from);
        TreeMap<Integer, String> at = new TreeMap<>();
        for (String key : replace.keySet()) {
            int i = text.indexOf(key);
            if (i < 0 || text.indexOf(key, i + 1) >= 0) {
                throw new IllegalStateException(from + " must contain '" + key.strip()
                        + "' exactly once (the test replaces it): was it changed?");
            }
            at.put(i, key);
        }
        StringBuilder out = new StringBuilder();
        int done = 0;
        for (Map.Entry<Integer, String> e : at.entrySet()) {
            out.append(text, done, e.getKey()).append(replace.get(e.getValue()));
            done = e.getKey() + e.getValue().length();
        }
        Files.writeString(to, out.append(text.substring(done)));
        return to;
    }

    /** Its log's last lines about servers and errors (HAProxy's request lines left out), and where the whole log is. */
    String tail() {
        List<String> lines;
        try {
            lines = Files.readAllLines(log).stream().filter(l -> !l.contains(" HTTP/2.0\"")).toList();
        } catch (IOException e) {
            lines = List.of(e.toString());
        }
        return kind + " (pid " + process.pid() + ", whole log in " + log + "):\n  "
                + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /**
     * Up to {@code max} of the last requests that took {@code seconds} or longer (HAProxy's
     * total time, the last of its timers; nginx's rt=): which daemon they went to and how they
     * ended. A request is logged when it ends, so a hung one shows once its client gave up.
     */
    String slowRequests(double seconds, int max) {
        List<String> slow = new ArrayList<>();
        Path file = "nginx".equals(kind) ? Path.of(log + ".access") : log;
        try {
            for (String l : Files.readAllLines(file)) {
                double took = requestSeconds(l);
                if (took >= seconds) {
                    slow.add(l);
                }
            }
        } catch (IOException e) {
            return e.toString();
        }
        return slow.size() + " requests took " + seconds + " s or longer" + (slow.isEmpty() ? "" : ", the last:\n  "
                + String.join("\n  ", slow.subList(Math.max(0, slow.size() - max), slow.size())));
    }

    /** A request log line's total time in seconds, or -1 when the line is not a request. */
    static double requestSeconds(String line) {
        Matcher nginx = NGINX_TIME.matcher(line);
        if (nginx.find()) {
            return Double.parseDouble(nginx.group(1));
        }
        Matcher haproxy = HAPROXY_TIMERS.matcher(line);
        return haproxy.find() ? Long.parseLong(haproxy.group(1)) / 1000.0 : -1;
    }

    private static final Pattern NGINX_TIME = Pattern.compile(" rt=([0-9.]+)");
    /** httplog's TR/Tw/Tc/Tr/Ta timers; Ta, the last, is the total. */
    private static final Pattern HAPROXY_TIMERS =
            Pattern.compile(" -?\\d+/-?\\d+/-?\\d+/-?\\d+/\\+?(\\d+) ");

    /**
     * HAProxy's own view of its connections and streams ("show fd", "show sess all" on its stats
     * socket), each written next to its log; the files' names and the start of "show fd". For
     * failure messages; empty for nginx.
     */
    String internals() {
        if (statsSocket == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (String command : List.of("show fd", "show sess all")) {
            try {
                String answer = ask(statsSocket, command);
                Path file = Path.of(log + "." + command.replace(' ', '-'));
                Files.writeString(file, answer);
                out.append("haproxy '").append(command).append("' (").append(answer.length()).append(" chars) in ")
                        .append(file).append('\n');
                if (command.equals("show fd")) {
                    out.append(answer, 0, Math.min(answer.length(), 3000)).append('\n');
                }
            } catch (IOException e) {
                out.append("haproxy '").append(command).append("': ").append(e).append('\n');
            }
        }
        return out.toString();
    }

    /** One command on HAProxy's stats socket; it answers and closes. */
    private static String ask(Path socket, String command) throws IOException {
        try (SocketChannel ch = SocketChannel.open(
                UnixDomainSocketAddress.of(socket))) {
            ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (ch.read(buf) >= 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList(); // nginx's workers
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        for (ProcessHandle c : children) {
            if (c.isAlive()) {
                c.destroyForcibly();
            }
        }
    }
}
