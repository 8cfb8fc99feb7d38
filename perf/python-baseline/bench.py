"""The rounds of perf/python-baseline (run by perf/python-baseline/run, which starts the servers):
for each client in turn, a warm-up of W calls against each server (not measured), then R rounds
of N sequential calls against each server, interleaved (A, B, then B, A, ...). Around every round
it reads the server's utime + stime from /proc/PID/stat and, for the server named by --split,
every thread's from /proc/PID/task/*/stat, grouped by thread name. Prints the tables as markdown
and writes them with every round's raw figures to --out.

Clients speak one line per round on stdin/stdout (client.py, org.remotemedia.perf.RoundClient):
'HOST:PORT CALLS' in, 'OK FAILED FIRST_FAILURE LATENCY_NS...' out.

    bench.py --server ours=127.0.0.1:5000=PID --server python=127.0.0.1:5001=PID --split ours
             --client 'grpcio=CMD ...' --client 'grpc-java=CMD ...' [--rounds 7] [--calls 1000]
             [--warmup 300] [--round-timeout-s 300] --out DIR --command 'the command, for the report'
"""
import argparse
import json
import os
import re
import select
import shlex
import signal
import statistics
import subprocess
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")
GROUPS = ["event loop", "DSP workers", "C2 compiler", "C1 compiler", "GC", "other"]


def group_of(name):
    if name.startswith("grpc-loop"):
        return "event loop"
    if name.startswith("rm-dsp-"):
        return "DSP workers"
    if name.startswith("C2 Compiler"):
        return "C2 compiler"
    if name.startswith("C1 Compiler"):
        return "C1 compiler"
    # ZGC's threads (ZDirector, ZDriverMajor, ZWorkerYoung#0, ...), G1's and Parallel's
    if re.match(r"Z[A-Z]|G1 |GC Thread", name):
        return "GC"
    return "other"


def stat_fields(path):
    """(comm, utime + stime in ticks) of one /proc stat file, or None once the task is gone."""
    try:
        with open(path) as f:
            s = f.read()
    except OSError:
        return None
    comm = s[s.index("(") + 1:s.rindex(")")]
    f = s[s.rindex(")") + 2:].split()
    return comm, int(f[11]) + int(f[12])


def process_ticks(pid):
    r = stat_fields("/proc/%d/stat" % pid)
    if r is None:
        raise SystemExit("process %d is gone" % pid)
    return r[1]


def thread_ticks(pid):
    """{tid: (name, ticks)} of every live thread of pid."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        r = stat_fields("/proc/%d/task/%s/stat" % (pid, tid))
        if r is not None:
            out[tid] = r
    return out


class Client:
    """A client process; one round = one line written, one line read, within a deadline."""

    def __init__(self, name, cmd, log):
        self.name = name
        self.proc = subprocess.Popen(shlex.split(cmd), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(log, "ab"))
        self.buf = b""

    def round(self, target, calls, timeout_s):
        self.proc.stdin.write(("%s %d\n" % (target, calls)).encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout_s
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SystemExit("client %s: no answer to a round of %d calls against %s within %d s"
                                 % (self.name, calls, target, timeout_s))
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise SystemExit("client %s ended (exit %s): see its log" % (self.name, self.proc.poll()))
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        w = line.decode().split()
        return int(w[0]), int(w[1]), w[2], [int(x) for x in w[3:]]

    def close(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=15)
        except (subprocess.TimeoutExpired, OSError):
            self.proc.kill()  # this process only, by its PID
            self.proc.wait(timeout=5)


def pct(sorted_ns, p):
    """Nearest-rank percentile, in ms."""
    if not sorted_ns:
        return float("nan")
    k = max(0, min(len(sorted_ns) - 1, int(round(p / 100.0 * len(sorted_ns) + 0.5)) - 1))
    return sorted_ns[k] / 1e6


def spread(xs, fmt):
    return "%s (%s-%s)" % (fmt % statistics.median(xs), fmt % min(xs), fmt % max(xs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", action="append", required=True, help="NAME=HOST:PORT=PID")
    ap.add_argument("--client", action="append", required=True, help="NAME=COMMAND")
    ap.add_argument("--split", default="", help="the server whose threads are split by name")
    ap.add_argument("--ratio", default="", help="A/B: the servers whose ratio is reported (A over B)")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--server-warmup", type=int, default=10000)
    ap.add_argument("--round-timeout-s", type=int, default=300)
    ap.add_argument("--out", required=True)
    ap.add_argument("--command", default="")
    a = ap.parse_args()
    servers = []
    for s in a.server:
        name, target, pid = s.split("=")
        servers.append((name, target, int(pid)))
    clients = [c.split("=", 1) for c in a.client]
    os.makedirs(a.out, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    load0 = open("/proc/loadavg").read().split()[:3]
    t_start = time.time()

    def measure(c, sname, target, pid, calls, label):
        """One round of calls against one server, with the CPU it cost (and by thread for --split)."""
        threads0 = thread_ticks(pid) if sname == a.split else {}
        p0, c0, w0 = process_ticks(pid), process_ticks(c.proc.pid), time.monotonic()
        ok, failed, first, ns = c.round(target, calls, a.round_timeout_s)
        w1, p1, c1 = time.monotonic(), process_ticks(pid), process_ticks(c.proc.pid)
        threads1 = thread_ticks(pid) if sname == a.split else {}
        split, names = {g: 0 for g in GROUPS}, {}
        for tid, (tname, ticks) in threads1.items():
            before = threads0.get(tid)
            d = ticks - (before[1] if before and before[0] == tname else 0)
            split[group_of(tname)] += d
            names[tname] = names.get(tname, 0) + d
        if sname == a.split:
            # threads that ended during the round: in the process's figure, not in any task's
            split["other"] += max(0, (p1 - p0) - sum(split.values()))
        s = sorted(ns)
        rec = {"calls": calls, "ok": ok, "failed": failed, "first_failure": first,
               "wall_s": w1 - w0, "server_ticks": p1 - p0, "client_ticks": c1 - c0,
               "p50_ms": pct(s, 50), "p95_ms": pct(s, 95), "p99_ms": pct(s, 99), "max_ms": s[-1] / 1e6,
               "threads": split if sname == a.split else None,
               "thread_names": names if sname == a.split else None, "latency_ns": ns}
        print("client %s %s %s: %d calls, p50 %.3f ms p99 %.3f ms, server CPU %.0f us/call, %d failed %s"
              % (c.name, label, sname, calls, rec["p50_ms"], rec["p99_ms"], rec["server_ticks"] * 1e6 / HZ / calls,
                 failed, "" if not failed else first), file=sys.stderr)
        return rec

    rounds = {}  # (client, server) -> [round dicts]
    server_warmup = {}  # server -> [chunk dicts]
    for i, (cname, cmd) in enumerate(clients):
        c = Client(cname, cmd, os.path.join(a.out, "client-%s.log" % cname))
        try:
            if i == 0:  # the servers' own warm-up, once, by the first client, in chunks of at most 1,000 calls
                for sname, target, pid in servers:
                    left = a.server_warmup
                    while left > 0:
                        n = min(1000, left)
                        server_warmup.setdefault(sname, []).append(measure(c, sname, target, pid, n, "server warm-up"))
                        left -= n
            for sname, target, pid in servers:
                measure(c, sname, target, pid, a.warmup, "client warm-up")
            for r in range(a.rounds):
                order = servers if r % 2 == 0 else servers[::-1]
                for sname, target, pid in order:
                    rec = measure(c, sname, target, pid, a.calls, "round %d" % (r + 1))
                    rec["round"] = r + 1
                    rounds.setdefault((cname, sname), []).append(rec)
        finally:
            c.close()
    load1 = open("/proc/loadavg").read().split()[:3]

    us = lambda ticks, calls: ticks * 1e6 / HZ / calls
    out = []
    p = out.append
    p("# perf/python-baseline: ExecutePipeline, 1 s of 44.1 kHz f32 mono resampled to 16 kHz, concurrency 1")
    p("")
    p("command: `%s`" % a.command)
    p("date: %s, %.0f s, %d CPUs, servers on CPU 1, clients on CPU 0, load %s -> %s"
      % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t_start)), time.time() - t_start, os.cpu_count(),
         " ".join(load0), " ".join(load1)))
    p("first %d calls against each server from the first client (%s) as the servers' warm-up; then per client"
      " %d warm-up calls against each server; none of these measured in the tables. Then %d rounds x %d calls"
      " per server and client, interleaved (A,B / B,A ...); server CPU = utime+stime of /proc/PID/stat around"
      " each round / calls (clock tick %d ms)" % (a.server_warmup, clients[0][0], a.warmup, a.rounds, a.calls,
                                                 1000 // HZ))
    if server_warmup:
        p("")
        p("Servers' warm-up, per chunk of up to 1,000 calls in order (not in the tables below): server CPU us/call"
          + (", and the part of it in the C2 compiler threads of %s" % a.split if a.split else "") + ":")
        p("")
        for sname, chunks in server_warmup.items():
            p("- %s: %s" % (sname, " ".join("%.0f" % us(ch["server_ticks"], ch["calls"]) for ch in chunks)))
            if sname == a.split:
                p("- %s C2: %s" % (sname, " ".join("%.0f" % us(ch["threads"]["C2 compiler"], ch["calls"])
                                                  for ch in chunks)))
    p("")
    p("| client | server | calls ok / failed | p50 ms | p95 ms | p99 ms | max ms | p50 ms per round: median (min-max) "
      "| server CPU us/call: median (min-max) | client CPU us/call |")
    p("|---|---|---|---|---|---|---|---|---|---|")
    for cname, _ in clients:
        for sname, _, _ in servers:
            rs = rounds[(cname, sname)]
            s = sorted(x for r in rs for x in r["latency_ns"])
            ok = sum(r["ok"] for r in rs)
            failed = sum(r["failed"] for r in rs)
            firsts = sorted({r["first_failure"] for r in rs if r["failed"]})
            p("| %s | %s | %d / %d%s | %.3f | %.3f | %.3f | %.3f | %s | %s | %.0f |" % (
                cname, sname, ok, failed, (" (" + ", ".join(firsts) + ")") if firsts else "",
                pct(s, 50), pct(s, 95), pct(s, 99), s[-1] / 1e6,
                spread([r["p50_ms"] for r in rs], "%.3f"),
                spread([us(r["server_ticks"], a.calls) for r in rs], "%.0f"),
                us(sum(r["client_ticks"] for r in rs), a.calls * len(rs))))
    if a.ratio:
        num, den = a.ratio.split("/")
        p("")
        p("Ratios %s / %s, per round (round r of one against round r of the other), median (min-max) over rounds:"
          % (num, den))
        p("")
        p("| client | p50 | p95 | p99 | server CPU per call |")
        p("|---|---|---|---|---|")
        for cname, _ in clients:
            A, B = rounds[(cname, num)], rounds[(cname, den)]
            cols = []
            for k in ("p50_ms", "p95_ms", "p99_ms"):
                cols.append(spread([x[k] / y[k] for x, y in zip(A, B)], "%.2f"))
            cols.append(spread([x["server_ticks"] / max(y["server_ticks"], 1) for x, y in zip(A, B)], "%.2f"))
            p("| %s | %s |" % (cname, " | ".join(cols)))
    if a.split:
        p("")
        p("Where the CPU per call of %s goes, by thread (/proc/PID/task/*/stat; all measured rounds; us/call and share;"
          " 'other' includes threads that ended during a round):" % a.split)
        p("")
        p("| client | " + " | ".join(GROUPS) + " | total |")
        p("|---|" + "---|" * (len(GROUPS) + 1))
        for cname, _ in clients:
            rs = rounds[(cname, a.split)]
            calls = a.calls * len(rs)
            tot = {g: sum(r["threads"][g] for r in rs) for g in GROUPS}
            all_ticks = sum(tot.values()) or 1
            p("| %s | %s | %.0f |" % (cname, " | ".join("%.0f (%.0f%%)" % (us(tot[g], calls), 100.0 * tot[g] / all_ticks)
                                                       for g in GROUPS), us(all_ticks, calls)))
        p("")
        for cname, _ in clients:
            rs = rounds[(cname, a.split)]
            names = {}
            for r in rs:
                for n, t in r["thread_names"].items():
                    names[n] = names.get(n, 0) + t
            top = sorted(names.items(), key=lambda kv: -kv[1])[:8]
            p("%s, busiest %s threads (us/call): %s" % (cname, a.split, ", ".join(
                "%s %.0f" % (n, us(t, a.calls * len(rs))) for n, t in top if t > 0)))
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(a.out, "report.md"), "w") as f:
        f.write(text)
    with open(os.path.join(a.out, "rounds.json"), "w") as f:
        json.dump({"rounds": {"%s|%s" % k: v for k, v in rounds.items()}, "server_warmup": server_warmup}, f)
    bad = sum(r["failed"] for rs in rounds.values() for r in rs)
    return 3 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
