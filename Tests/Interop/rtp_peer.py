"""A plain-RTP phone for Tandem's media tests: sends a G.711 tone (and optional RFC 4733 digits)
and records what comes back.

It binds a UDP port and prints {"port": N}; it then reads {"remote": "host:port"} on stdin, sends
20 ms packets for --seconds while receiving, and prints {"type": "result", "frequency": ..., "dbfs":
..., "digits": "..."} with the received audio's dominant frequency (FFT) and level, and the digits
of the RFC 4733 events it received. Every wait is bounded.
"""
import argparse
import json
import select
import socket
import struct
import sys
import time

import numpy as np

RATE = 8000
FRAME = 160


def g711(codec):
    """Encoder and decoder for the codec, from the standard library's audioop (C, ITU tables)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop
    if codec == "PCMU":
        return (lambda pcm: audioop.lin2ulaw(pcm.astype(np.int16).tobytes(), 2),
                lambda b: np.frombuffer(audioop.ulaw2lin(bytes(b), 2), dtype=np.int16))
    return (lambda pcm: audioop.lin2alaw(pcm.astype(np.int16).tobytes(), 2),
            lambda b: np.frombuffer(audioop.alaw2lin(bytes(b), 2), dtype=np.int16))


def analyse(samples):
    if len(samples) < RATE // 10:
        return {"samples": int(len(samples)), "frequency": 0.0, "dbfs": -200.0}
    x = samples.astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    peak = int(np.argmax(spectrum[1:]) + 1)
    rms = np.sqrt(np.mean(x ** 2))
    return {"samples": int(len(samples)), "frequency": float(peak * RATE / len(x)),
            "dbfs": float(20 * np.log10(max(rms, 1e-9) / 32768))}


EVENTS = "0123456789*#ABCD"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--codec", default="PCMU")
    ap.add_argument("--tone", type=float, default=440)
    ap.add_argument("--seconds", type=float, default=2.5)
    ap.add_argument("--digits", default="")
    ap.add_argument("--event-pt", type=int, default=101)
    args = ap.parse_args()
    pt = 0 if args.codec == "PCMU" else 8
    encode, decode = g711(args.codec)

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    print(json.dumps({"port": sock.getsockname()[1]}), flush=True)
    ready, _, _ = select.select([sys.stdin], [], [], 30)
    if not ready:
        return
    host, port = json.loads(sys.stdin.readline())["remote"].rsplit(":", 1)
    remote = (host, int(port))

    ssrc, seq, ts = 0x5EED1234, 1000, 8000
    received = []
    events = {}
    start = time.monotonic()
    frames = int(args.seconds * 50)
    # Digits: each 100 ms long, starting at 0.5 s, one every 300 ms.
    digit_plan = {25 + 15 * i: d for i, d in enumerate(args.digits)}
    active = None  # (digit, start_ts, packets_sent)
    for n in range(frames):
        due = start + n * 0.02
        while True:
            wait = due - time.monotonic()
            if wait <= 0:
                break
            r, _, _ = select.select([sock], [], [], wait)
            if r:
                data, _ = sock.recvfrom(2048)
                if len(data) < 12:
                    continue
                rpt = data[1] & 0x7F
                cc = data[0] & 0x0F
                off = 12 + 4 * cc
                if data[0] & 0x10:
                    off += 4 + 4 * struct.unpack("!H", data[off + 2:off + 4])[0]
                payload = data[off:]
                if rpt == pt:
                    received.append(decode(payload))
                elif len(payload) >= 4:
                    rts = struct.unpack("!I", data[4:8])[0]
                    if payload[1] & 0x80:
                        events[rts] = payload[0]
        t = (np.arange(FRAME) + n * FRAME) / RATE
        pcm = 0.3 * 32767 * np.sin(2 * np.pi * args.tone * t)
        if n in digit_plan:
            active = (digit_plan[n], ts, 0)
        if active is not None:
            digit, dts, sent = active
            end = sent >= 5
            duration = (sent + 1) * FRAME
            body = struct.pack("!BBH", EVENTS.index(digit), (0x80 if end else 0) | 10, duration)
            repeats = 3 if end else 1
            for _ in range(repeats):
                header = struct.pack("!BBHII", 0x80, (0x80 if sent == 0 else 0) | args.event_pt, seq & 0xFFFF, dts, ssrc)
                sock.sendto(header + body, remote)
                seq += 1
            active = None if end else (digit, dts, sent + 1)
        else:
            header = struct.pack("!BBHII", 0x80, pt, seq & 0xFFFF, ts, ssrc)
            sock.sendto(header + encode(pcm), remote)
            seq += 1
        ts += FRAME
    audio = np.concatenate(received) if received else np.zeros(0, dtype=np.int16)
    result = {"type": "result", "received_packets": len(received)}
    result.update(analyse(audio[RATE // 2:]))
    result["digits"] = "".join(EVENTS[e] if e < 16 else "?" for _, e in sorted(events.items()))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
