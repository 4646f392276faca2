"""Soak: a release `tandem run` under a steady mix of real calls for a long time, then the books are
checked. It answers "does the node leak or wedge after hours of ordinary traffic?".

The traffic, all on loopback, in lanes that run side by side until the phase's time is up:
- browsers (aiortc over SIP/WebSocket, Tests/Interop/webrtc_sip_caller.py) calling, in turn: the echo
  app; a phone that answers (sipp); a busy phone (486); a ringing phone they CANCEL; a phone that
  transfers them with REFER; a phone that holds and resumes by re-INVITE; a number the dialplan
  refuses (404); a phone they vanish from (DTLS closed, no BYE); a phone they are SIGKILLed on
  (no BYE, no DTLS close: ICE consent runs out);
- a PBX (sipp) calling the echo app steadily, and calling a browser user (aiortc) that registers
  for each call and goes away after it;
- registrations churning: a WebSocket client registering and unregistering, reconnecting now and then.

Two phases: a warm-up (a sixth of the time, at least a minute), then the rest. After each, the lanes
stop, the node must come back to no call in progress, and its resident memory, open file
descriptors and sockets, and media ports in use are read. The soak passes when, after the run:
- nothing is stuck: `tandem_calls_active` is 0 for every kind, and no registration is left;
- every call placed has its CDR, with the status the lane expected;
- idle memory, descriptors, sockets and ports are within 5% of what they were after the warm-up, and
  memory under load at the end is within 5% of memory under load just after the warm-up.
With --smoke (make test runs a minute of it) only the books are checked, not growth: a short run
says nothing about memory. Usage: soak.py --seconds N [--warm-up N] [--smoke] [--tandem PATH]
[--out DIR]; exit status 0 when it passes. Samples go to
DIR/samples.tsv, Tandem's log to DIR/tandem.log, the CDRs to DIR/cdr.jsonl.
"""
import argparse
import asyncio
import collections
import json
import os
import random
import signal
import socket
import statistics
import sys
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
INTEROP = os.path.join(ROOT, "Tests", "Interop")
SIPP = "/usr/bin/sipp"
TOKEN = "soak-admin-token-0123456789"

PLAN = """<dialplan>
  <context name="from-browser">
    <route name="echo"><match field="destination" pattern="^600$"/><answer/><echo/></route>
    <route name="answer"><match field="destination" pattern="^(2001|2002)$"/><bridge timeout="10s"><target trunk="answer" user="$1"/></bridge></route>
    <route name="busy"><match field="destination" pattern="^2003$"/><bridge timeout="10s"><target trunk="busy" user="2003"/></bridge></route>
    <route name="ring"><match field="destination" pattern="^2004$"/><bridge timeout="20s"><target trunk="ring" user="2004"/></bridge></route>
    <route name="transfer"><match field="destination" pattern="^2005$"/><bridge timeout="10s"><target trunk="refer" user="2005"/></bridge></route>
    <route name="hold"><match field="destination" pattern="^2006$"/><bridge timeout="10s"><target trunk="hold" user="2006"/></bridge></route>
    <route name="nowhere"><reject code="404"/></route>
  </context>
  <context name="from-trunk">
    <route name="echo"><match field="destination" pattern="^600$"/><answer/><echo/></route>
    <route name="browser"><match field="destination" pattern="^carol$"/><bridge timeout="10s"><target user="carol"/></bridge></route>
    <route name="none"><reject code="404"/></route>
  </context>
</dialplan>
"""

# What a browser lane dials, in turn: (destination, caller mode, seconds, what the caller must report).
BROWSER_CALLS = [
    ("600", "hangup", "2", {"status": 200, "bye": 200}),
    ("2001", "hangup", "2", {"status": 200, "bye": 200}),
    ("2003", "hangup", "2", {"status": 486}),
    ("2004", "cancel", "2", {"status": 487, "cancel": 200}),
    ("2005", "hangup", "4", {"status": 200, "bye": 200}),
    ("2006", "hangup", "4", {"status": 200, "bye": 200}),
    ("9999", "hangup", "2", {"status": 404}),
    ("2001", "vanish", "2", {"status": 200, "hangup": "remote"}),
    ("2001", "wait", "2", "killed"),
]
# Trunks: name -> the sipp scenario its phone runs (Tests/Interop/sipp), and whether it echoes RTP.
PHONES = {"answer": ("answer", True), "busy": ("busy", False), "ring": ("ring_until_cancel", False),
          "refer": ("refer", True), "hold": ("hold_resume", True)}


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Soak:
    def __init__(self, args):
        self.args = args
        self.out = os.path.abspath(args.out)
        os.makedirs(self.out, exist_ok=True)
        self.processes = []  # every child, stopped by PID at the end whatever happens
        self.placed = collections.Counter()  # destination -> calls placed
        self.failures = []  # what went wrong, for the report
        self.samples = []
        self.stop_lanes = False

    # -- processes ---------------------------------------------------------------------------

    async def spawn(self, *argv, stdin=None, output=asyncio.subprocess.PIPE):
        p = await asyncio.create_subprocess_exec(*argv, stdin=stdin, stdout=output, stderr=output, cwd=self.out)
        self.processes.append(p)
        return p

    async def kill_all(self):
        for p in self.processes:
            if p.returncode is None:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                await p.wait()

    async def finish(self, p, timeout):
        """Waits for `p` (killed at `timeout`); returns its exit status, stdout and stderr."""
        try:
            out, err = await asyncio.wait_for(p.communicate(), timeout)
        except asyncio.TimeoutError:
            p.kill()
            out, err = await p.communicate()
        self.processes.remove(p)
        return p.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    # -- the node ----------------------------------------------------------------------------

    async def start_tandem(self):
        plans = os.path.join(self.out, "dialplans")
        os.makedirs(plans, exist_ok=True)
        with open(os.path.join(plans, "soak.xml"), "w") as f:
            f.write(PLAN)
        self.sip_port, self.http_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
        self.phone_ports = {name: free_port(socket.SOCK_DGRAM) for name in PHONES}
        self.pbx_port, self.pbx2_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
        trunks = [f"{{name: {n}, address: 127.0.0.1:{p}}}" for n, p in self.phone_ports.items()]
        trunks += [f"{{name: pbx, address: 127.0.0.1:{self.pbx_port}}}", f"{{name: pbx2, address: 127.0.0.1:{self.pbx2_port}}}"]
        self.cdr = os.path.join(self.out, "cdr.jsonl")
        if os.path.exists(self.cdr):
            os.remove(self.cdr)
        config = os.path.join(self.out, "soak.yaml")
        with open(config, "w") as f:
            f.write(f"""listen: {{sip_udp: 127.0.0.1:{self.sip_port}, sip_tcp: off, sip_tls: off, http: 127.0.0.1:{self.http_port}, https: off}}
certs: {self.out}/certs
dialplans: {plans}
cdr: {self.cdr}
admin: {{token: {TOKEN}}}
media: {{consent_timeout: 8, rtp_timeout: 20}}
users:
  - {{name: alice, password: alice-soak}}
  - {{name: bob, password: bob-soak}}
  - {{name: carol, password: carol-soak}}
  - {{name: dave, password: dave-soak}}
trunks: [{", ".join(trunks)}]
""")
        self.log = open(os.path.join(self.out, "tandem.log"), "wb")
        self.tandem = await asyncio.create_subprocess_exec(self.args.tandem, "run", "--config", config,
                                                           stdout=self.log, stderr=self.log, cwd=self.out)
        self.processes.append(self.tandem)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.metrics():
                return
            await asyncio.sleep(0.2)
        raise RuntimeError("tandem did not answer /metrics within 30 s (see tandem.log)")

    def metrics(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/metrics", timeout=5) as r:
                text = r.read().decode()
        except OSError:
            return None
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                values[name] = float(value)
        return values

    def sample(self, phase, load):
        m = self.metrics() or {}
        pid = self.tandem.pid
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmRSS:"))
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        row = {"t": round(time.monotonic() - self.started), "phase": phase, "load": load, "rss": rss, "fds": fds,
               "sockets": int(m.get("tandem_process_open_sockets", -1)),
               "ports": int(m.get("tandem_media_ports_in_use", -1)),
               "calls": int(sum(v for k, v in m.items() if k.startswith("tandem_calls_active{"))),
               "registrations": int(m.get("tandem_registrations_active", -1))}
        self.samples.append(row)
        return row

    # -- lanes -------------------------------------------------------------------------------

    async def phones(self):
        """The trunk phones, one sipp each, taking calls until the end of the soak."""
        tone = os.path.join(self.out, "tone.ulaw")
        with open(tone, "wb") as f:  # μ-law silence-ish noise: the phones only need something to send
            f.write(bytes(random.choice((0x7F, 0xFF, 0x7E, 0xFE)) for _ in range(8000 * 10)))
        for name, (scenario, echo) in PHONES.items():
            with open(os.path.join(INTEROP, "sipp", scenario + ".xml")) as f:
                text = f.read().replace("TONE_FILE", tone)
            path = os.path.join(self.out, f"phone-{name}.xml")
            with open(path, "w") as f:
                f.write(text)
            argv = [SIPP, "-sf", path, "-i", "127.0.0.1", "-p", str(self.phone_ports[name]), "-mi", "127.0.0.1",
                    "-mp", str(free_port(socket.SOCK_DGRAM)), "-nostdin", "-trace_err", "-l", "200"]
            # Nobody reads a phone's output for half an hour: a file, not a pipe that could fill.
            log = open(os.path.join(self.out, f"phone-{name}.log"), "wb")
            await self.spawn(*argv + (["-rtp_echo"] if echo else []), output=log)

    async def browser_lane(self, lane, user, password):
        i = lane
        while not self.stop_lanes:
            dest, mode, seconds, expected = BROWSER_CALLS[i % len(BROWSER_CALLS)]
            i += 1
            caller = await self.spawn(sys.executable, os.path.join(INTEROP, "webrtc_sip_caller.py"), self.ws_url,
                                      "tandem", user, password, dest, seconds, "1000", mode)
            self.placed[dest] += 1
            if expected == "killed":
                # Killed once media flows: no BYE, no DTLS close. The node notices when consent runs out.
                line = await self.read_json(caller, 30)
                if line.get("type") != "recorded":
                    self.failures.append(f"{user} -> {dest} ({mode}): never recorded: {line}")
                caller.kill()
                await self.finish(caller, 10)
                continue
            rc, out, err = await self.finish(caller, 60)
            result = next((json.loads(l) for l in out.splitlines() if '"result"' in l), None)
            if result is None or any(result.get(k) != v for k, v in expected.items()):
                self.failures.append(f"{user} -> {dest} ({mode}): {result or err[-800:]}")

    async def read_json(self, p, timeout):
        try:
            line = await asyncio.wait_for(p.stdout.readline(), timeout)
            return json.loads(line) if line else {}
        except (asyncio.TimeoutError, ValueError):
            return {}

    async def pbx_lane(self):
        """The PBX: calls to the echo app, one every second, 3 s each, for as long as the phase lasts."""
        while not self.stop_lanes:
            calls = 10
            sipp = await self.spawn(SIPP, f"127.0.0.1:{self.sip_port}", "-sn", "uac", "-s", "600", "-d", "3000", "-r", "1",
                                    "-m", str(calls), "-i", "127.0.0.1", "-p", str(self.pbx_port), "-mi", "127.0.0.1",
                                    "-mp", str(free_port(socket.SOCK_DGRAM)), "-nostdin", "-timeout", "60s", "-timeout_error")
            self.placed["600"] += calls
            rc, out, err = await self.finish(sipp, 90)
            if rc != 0:
                self.failures.append(f"pbx -> 600: sipp exit {rc}: {out[-800:]}")

    async def inbound_lane(self):
        """The PBX calls carol, a browser that registers, answers, and leaves after the call."""
        while not self.stop_lanes:
            callee = await self.spawn(sys.executable, os.path.join(INTEROP, "webrtc_sip_callee.py"), self.ws_url,
                                      "tandem", "carol", "carol-soak", "2", "500", "wait")
            line = await self.read_json(callee, 30)
            if line.get("type") != "registered":
                self.failures.append(f"carol did not register: {line}")
                await self.finish(callee, 5)
                continue
            sipp = await self.spawn(SIPP, f"127.0.0.1:{self.sip_port}", "-sn", "uac", "-s", "carol", "-d", "2000",
                                    "-m", "1", "-i", "127.0.0.1", "-p", str(self.pbx2_port),
                                    "-mi", "127.0.0.1", "-mp", str(free_port(socket.SOCK_DGRAM)), "-nostdin", "-timeout", "30s",
                                    "-timeout_error")
            self.placed["carol"] += 1
            rc, out, _ = await self.finish(sipp, 45)
            if rc != 0:
                self.failures.append(f"pbx -> carol: sipp exit {rc}: {out[-800:]}")
            _, out, err = await self.finish(callee, 30)
            result = next((json.loads(l) for l in out.splitlines() if '"result"' in l), None)
            if result is None or result.get("hangup") != "remote":
                self.failures.append(f"carol's call: {result or err[-800:]}")

    async def registration_lane(self):
        """dave registers and unregisters every two seconds; every 10 rounds on a new WebSocket."""
        while not self.stop_lanes:
            client = await self.spawn(sys.executable, os.path.join(INTEROP, "ws_sip_client.py"), self.ws_url, "tandem",
                                      stdin=asyncio.subprocess.PIPE)
            for _ in range(10):
                if self.stop_lanes:
                    break
                for expires in (300, 0):
                    client.stdin.write((json.dumps({"cmd": "register", "user": "dave", "password": "dave-soak",
                                                    "expires": expires}) + "\n").encode())
                    await client.stdin.drain()
                    reply = await self.read_json(client, 10)
                    if reply.get("status") != 200:
                        self.failures.append(f"dave's REGISTER (expires {expires}): {reply}")
                await asyncio.sleep(2)
            client.stdin.write(b'{"cmd": "close"}\n')
            await client.stdin.drain()
            await self.finish(client, 10)

    async def sampler(self, phase):
        while not self.stop_lanes:
            await asyncio.sleep(10)
            row = self.sample(phase, "load")
            if row["t"] % 60 < 10:
                print("  t={t:5d}s  rss={rss_mb:6.1f} MiB  fds={fds:4d}  sockets={sockets:4d}  ports={ports:4d}  calls={calls:3d}"
                      .format(rss_mb=row["rss"] / 2**20, **row), flush=True)

    async def phase(self, name, seconds):
        self.stop_lanes = False
        lanes = [self.browser_lane(0, "alice", "alice-soak"), self.browser_lane(4, "bob", "bob-soak"),
                 self.pbx_lane(), self.inbound_lane(), self.registration_lane(), self.sampler(name)]
        tasks = [asyncio.ensure_future(l) for l in lanes]
        await asyncio.sleep(seconds)
        self.stop_lanes = True  # each lane finishes the call it is in
        await asyncio.wait_for(asyncio.gather(*tasks), 180)
        # Idle: every call over (the killed browsers' ones end when their consent runs out).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            row = self.sample(name, "idle")
            if row["calls"] == 0 and row["ports"] == 0:
                break
            await asyncio.sleep(1)
        print(f"{name} done: idle rss={row['rss'] / 2**20:.1f} MiB fds={row['fds']} sockets={row['sockets']} "
              f"ports={row['ports']} calls={row['calls']} registrations={row['registrations']}", flush=True)
        return row

    # -- the books ---------------------------------------------------------------------------

    def check(self, warm, end):
        problems = list(self.failures)
        if end["calls"] != 0:
            problems.append(f"{end['calls']} calls still active at the end")
        if end["registrations"] != 0:
            problems.append(f"{end['registrations']} registrations left with no client")
        for key in () if self.args.smoke else ("rss", "fds", "sockets", "ports"):
            if end[key] > warm[key] * 1.05 and end[key] - warm[key] > 1:
                problems.append(f"idle {key} grew from {warm[key]} after the warm-up to {end[key]} (more than 5%)")
        loaded = [s["rss"] for s in self.samples if s["phase"] == "main" and s["load"] == "load"]
        if len(loaded) >= 10 and not self.args.smoke:
            tenth = max(3, len(loaded) // 10)
            early, late = statistics.median(loaded[:tenth]), statistics.median(loaded[-tenth:])
            print(f"rss under load: {early / 2**20:.1f} MiB after the warm-up, {late / 2**20:.1f} MiB at the end")
            if late > early * 1.05:
                problems.append(f"resident memory under load grew {100 * (late / early - 1):.1f}% (more than 5%)")
        records = []
        with open(self.cdr) as f:
            records = [json.loads(l) for l in f if l.strip()]
        recorded = collections.Counter(r["destination"] for r in records)
        # A transfer's new party is the same call: no record of its own is due.
        for dest, count in sorted(self.placed.items()):
            if recorded[dest] != count:
                problems.append(f"calls to {dest}: {count} placed, {recorded[dest]} CDRs")
        print(f"calls placed: {sum(self.placed.values())} ({dict(sorted(self.placed.items()))}); CDRs: {len(records)}")
        statuses = collections.Counter(r.get("status") for r in records)
        print(f"CDR statuses: {dict(sorted(statuses.items(), key=lambda kv: str(kv[0])))}")
        return problems

    async def run(self):
        self.started = time.monotonic()
        await self.start_tandem()
        self.ws_url = f"ws://127.0.0.1:{self.http_port}/ws"
        await self.phones()
        warm_seconds = self.args.warm_up or max(60, self.args.seconds // 6)
        print(f"soak: {self.args.seconds} s against {self.args.tandem} (pid {self.tandem.pid}), warm-up {warm_seconds} s", flush=True)
        warm = await self.phase("warm-up", warm_seconds)
        end = await self.phase("main", self.args.seconds - warm_seconds)
        with open(os.path.join(self.out, "samples.tsv"), "w") as f:
            keys = list(self.samples[0])
            f.write("\t".join(keys) + "\n")
            for s in self.samples:
                f.write("\t".join(str(s[k]) for k in keys) + "\n")
        problems = self.check(warm, end)
        self.tandem.send_signal(signal.SIGTERM)
        try:
            status = await asyncio.wait_for(self.tandem.wait(), 30)
        except asyncio.TimeoutError:
            status = None
        if status != 0:
            problems.append(f"tandem exited {status} on SIGTERM")
        return problems

    async def main(self):
        try:
            return await self.run()
        finally:
            await self.kill_all()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=1800)
    parser.add_argument("--warm-up", type=int, help="seconds of the first phase (a sixth, at least 60, by default)")
    parser.add_argument("--smoke", action="store_true", help="check the books only, not growth")
    parser.add_argument("--tandem", default=os.path.join(ROOT, ".build", "release", "tandem"))
    parser.add_argument("--out", default=os.path.join(ROOT, "soak-artifacts"))
    args = parser.parse_args()
    args.tandem = os.path.abspath(args.tandem)
    soak = Soak(args)
    began = time.monotonic()
    problems = asyncio.run(soak.main())
    took = round(time.monotonic() - began)
    if problems:
        print(f"soak FAILED after {took} s:")
        for p in problems[:50]:
            print("  - " + p)
        sys.exit(1)
    print(f"soak passed after {took} s (samples: {os.path.join(soak.out, 'samples.tsv')})")


if __name__ == "__main__":
    main()
