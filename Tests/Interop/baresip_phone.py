"""A real SIP phone for Tandem's end-to-end tests: runs baresip (auto-answer, plays a tone WAV, records
what it hears with the sndfile module) in a config folder of its own, and drives it over ctrl_tcp.
Speaks JSON lines: prints {"type":"ready","sip":PORT} once baresip listens, then every baresip event as
{"type":"event",...}; reads commands {"cmd":"dial","uri":U}, {"cmd":"hangup"}, {"cmd":"analyse"} (answers
{"type":"analysis",...} on the last call's received audio). baresip dies with this script
(PR_SET_PDEATHSIG), and is stopped by PID when stdin closes or on SIGTERM. Events are
{"type":"event","event":"CALL_ESTABLISHED","param":...}; also {"cmd":"dtmf","digits":"12#"}.
With REGISTRAR (host:port) the phone registers there as "phone" (event REGISTER_OK) and its address of
record is on that registrar; with USER:PASSWORD too it registers as that user (answering digest), and
with TRANSPORT (udp or tcp) over that. {"cmd":"hold"} and {"cmd":"resume"} put the call on hold and back.
Usage: baresip_phone.py WORKDIR TONE_HZ [CODEC] [REGISTRAR [USER:PASSWORD [TRANSPORT]]]."""
import ctypes
import glob
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import wave

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from aiortc_peer import analyse  # noqa: E402


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def write_tone(path, hz, seconds=30, rate=8000):
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def main():
    workdir, hz = sys.argv[1], float(sys.argv[2])
    codec = sys.argv[3] if len(sys.argv) > 3 else "PCMU"
    registrar = sys.argv[4] if len(sys.argv) > 4 else None
    user, _, password = (sys.argv[5] if len(sys.argv) > 5 else "phone").partition(":")
    transport = sys.argv[6] if len(sys.argv) > 6 else "udp"
    os.makedirs(workdir, exist_ok=True)
    records = os.path.join(workdir, "records")
    os.makedirs(records, exist_ok=True)
    tone = os.path.join(workdir, "tone.wav")
    write_tone(tone, hz)
    sip_port, ctrl_port = free_port(socket.SOCK_DGRAM), free_port()
    rtp = 30000 + (os.getpid() % 400) * 20
    with open(os.path.join(workdir, "config"), "w") as f:
        f.write(f"""poll_method epoll
sip_listen 127.0.0.1:{sip_port}
net_interface 127.0.0.1
audio_player aubridge,sink
audio_alert aubridge,sink
audio_source aufile,{tone}
ausrc_srate 8000
auplay_srate 8000
ausrc_channels 1
auplay_channels 1
rtp_ports {rtp}-{rtp + 19}
module_path /usr/lib/baresip/modules
module g711.so
module g722.so
module aufile.so
module aubridge.so
module sndfile.so
snd_path {records}
module_app account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:{ctrl_port}
""")
    with open(os.path.join(workdir, "accounts"), "w") as f:
        if registrar:
            auth = f";auth_pass={password}" if password else ""
            f.write(f"<sip:{user}@{registrar};transport={transport}>{auth};regint=60;answermode=auto;audio_codecs={codec}\n")
        else:
            f.write(f"<sip:phone@127.0.0.1:{sip_port}>;regint=0;answermode=auto;audio_codecs={codec}\n")
    for name in ("contacts", "uuid"):
        open(os.path.join(workdir, name), "a").close()

    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    proc = subprocess.Popen(["baresip", "-f", workdir], stdin=subprocess.DEVNULL, stdout=open(os.path.join(workdir, "baresip.log"), "w"),
                            stderr=subprocess.STDOUT,
                            preexec_fn=lambda: libc.prctl(1, signal.SIGKILL))

    def stop(*_):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    ctrl = None
    deadline = time.time() + 10
    while ctrl is None and time.time() < deadline:
        try:
            ctrl = socket.create_connection(("127.0.0.1", ctrl_port), timeout=1)
        except OSError:
            time.sleep(0.05)
    if ctrl is None:
        send({"type": "error", "error": "baresip did not start", "log": open(os.path.join(workdir, "baresip.log")).read()[-2000:]})
        stop()
    send({"type": "ready", "sip": sip_port})

    buffer = b""
    token = 0
    analysed = set()

    def command(name, params=""):
        nonlocal token
        token += 1
        body = json.dumps({"command": name, "params": params, "token": str(token)}).encode()
        ctrl.sendall(str(len(body)).encode() + b":" + body + b",")

    stdin_open = True
    while True:
        readable, _, _ = select.select([ctrl] + ([sys.stdin] if stdin_open else []), [], [], 0.5)
        if proc.poll() is not None:
            send({"type": "exited", "code": proc.returncode})
            break
        if not stdin_open and not readable:
            continue
        for r in readable:
            if r is ctrl:
                data = ctrl.recv(65536)
                if not data:
                    stop()
                buffer += data
                while b":" in buffer:
                    length, rest = buffer.split(b":", 1)
                    if len(rest) < int(length) + 1:
                        break
                    message = json.loads(rest[:int(length)])
                    buffer = rest[int(length) + 1:]
                    if message.get("event"):
                        send({"type": "event", "event": message.get("type"), "param": message.get("param"),
                              "peer": message.get("peeruri")})
                    else:
                        send({"type": "response", **message})
            else:
                line = sys.stdin.readline()
                if not line:
                    stop()
                cmd = json.loads(line)
                if cmd["cmd"] == "dial":
                    command("dial", cmd["uri"])
                elif cmd["cmd"] in ("hangup", "hold", "resume"):
                    command(cmd["cmd"])
                elif cmd["cmd"] == "dtmf":
                    for digit in cmd["digits"]:
                        command("sndcode", digit)
                        time.sleep(0.25)
                elif cmd["cmd"] == "analyse":
                    # The longest recording since the last analysis: a call that went on hold and back
                    # has one file per stream baresip started.
                    files = [f for f in glob.glob(os.path.join(records, "*-dec.wav")) if f not in analysed]
                    if not files:
                        send({"type": "analysis", "error": "no recording", "files": os.listdir(records)})
                        continue
                    analysed.update(files)
                    longest = max(files, key=os.path.getsize)
                    with wave.open(longest) as w:
                        rate = w.getframerate()
                        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
                    # Skip the first half second (jitter buffer fill, ringing) before measuring.
                    send({"type": "analysis", **analyse(samples[rate // 2:], rate),
                          "files": {os.path.basename(f): os.path.getsize(f) for f in glob.glob(os.path.join(records, "*"))}})


if __name__ == "__main__":
    main()
