"""A scripted WebRTC peer (aiortc) for Tandem's interop tests.

Signalling is JSON lines on stdin/stdout: in `offer` mode it prints {"type":"offer","sdp":...} and
reads the answer; in `answer` mode it reads an offer and prints the answer. It sends a sine tone and
records what it receives; at the end it prints {"type":"result", ...} with the received audio's
dominant frequency (FFT) and level, and exits. Every wait is bounded.
"""
import argparse
import asyncio
import fractions
import json
import sys
import time

import numpy as np
import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from av import AudioFrame

# aioice skips loopback when gathering; the tests run on loopback only (INTEROP.md).
LOOPBACK = ["::1"] if "--ipv6" in sys.argv else ["127.0.0.1"]
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: LOOPBACK

RATE = 48000
FRAME = 960


class ToneTrack(MediaStreamTrack):
    """A paced sine tone, 20 ms per frame, like a microphone."""

    kind = "audio"

    def __init__(self, frequency, amplitude=0.3):
        super().__init__()
        self.frequency = frequency
        self.amplitude = amplitude
        self.sent = 0
        self.start = None

    async def recv(self):
        if self.start is None:
            self.start = time.monotonic()
        due = self.start + self.sent / RATE
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        t = (np.arange(FRAME) + self.sent) / RATE
        samples = (self.amplitude * 32767 * np.sin(2 * np.pi * self.frequency * t)).astype(np.int16)
        frame = AudioFrame(format="s16", layout="mono", samples=FRAME)
        frame.planes[0].update(samples.tobytes())
        frame.sample_rate = RATE
        frame.pts = self.sent
        frame.time_base = fractions.Fraction(1, RATE)
        self.sent += FRAME
        return frame


def analyse(samples, rate):
    """Dominant frequency (Hz) and RMS level (dBFS) of int16 mono samples."""
    if len(samples) < rate // 10:
        return {"samples": int(len(samples)), "frequency": 0.0, "dbfs": -200.0}
    x = samples.astype(np.float64)
    window = np.hanning(len(x))
    spectrum = np.abs(np.fft.rfft(x * window))
    peak = int(np.argmax(spectrum[1:]) + 1)
    frequency = peak * rate / len(x)
    rms = np.sqrt(np.mean(x ** 2))
    dbfs = 20 * np.log10(max(rms, 1e-9) / 32768)
    return {"samples": int(len(samples)), "frequency": float(frequency), "dbfs": float(dbfs)}


def dtmf_digits(samples, rate):
    """DTMF digits heard in-band in int16 mono samples (Goertzel per 20 ms frame): a frame counts when
    one row and one column tone hold most of its energy; a digit is two or more such frames in a row."""
    rows, cols = [697, 770, 852, 941], [1209, 1336, 1477, 1633]
    keys = ["123A", "456B", "789C", "*0#D"]
    n = rate // 50
    digits, current, run = [], None, 0
    for start in range(0, len(samples) - n, n):
        x = samples[start:start + n].astype(np.float64)
        total = np.sum(x ** 2) * n / 2
        if total <= 0:
            heard = None
        else:
            t = np.arange(n) / rate
            def power(f):
                return abs(np.sum(x * np.exp(-2j * np.pi * f * t))) ** 2
            r = [power(f) for f in rows]
            c = [power(f) for f in cols]
            heard = keys[int(np.argmax(r))][int(np.argmax(c))] if (max(r) + max(c)) > 0.7 * total else None
        if heard == current:
            run += 1
        else:
            current, run = heard, 1
        if heard is not None and run == 2:
            digits.append(heard)
    return "".join(digits)


async def record(track, seconds, skip, on_skipped=None):
    """Collects `seconds` of received audio after skipping `skip` seconds of start-up; `on_skipped` runs
    when the skipped part is over (what is measured starts then)."""
    chunks = []
    got = 0
    rate = RATE
    deadline = time.monotonic() + seconds + skip + 10
    while got < (seconds + skip) * rate and time.monotonic() < deadline:
        try:
            frame = await asyncio.wait_for(track.recv(), timeout=5)
        except Exception:
            break
        rate = frame.sample_rate
        data = frame.to_ndarray().reshape(-1)
        channels = len(frame.layout.channels)
        if channels > 1:
            data = data.reshape(-1, channels)[:, 0]
        if on_skipped and got < skip * rate <= got + len(data):
            on_skipped()
        got += len(data)
        chunks.append(data)
    audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    return audio[int(skip * rate):], rate


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def read():
    line = await asyncio.wait_for(asyncio.get_event_loop().run_in_executor(None, sys.stdin.readline), timeout=30)
    if not line:
        raise SystemExit("signalling closed")
    return json.loads(line)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["offer", "answer"])
    parser.add_argument("--tone", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--codec", default=None, help="restrict to this codec, e.g. PCMU")
    parser.add_argument("--ipv6", action="store_true", help="gather on ::1 instead of 127.0.0.1")
    args = parser.parse_args()

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    received = asyncio.get_event_loop().create_future()
    states = []

    @pc.on("track")
    def on_track(track):
        if not received.done():
            received.set_result(track)

    @pc.on("connectionstatechange")
    async def on_state():
        states.append(pc.connectionState)

    tone = ToneTrack(args.tone)
    transceiver = pc.addTransceiver(tone, direction="sendrecv")
    if args.codec:
        from aiortc.rtcrtpsender import RTCRtpSender
        caps = RTCRtpSender.getCapabilities("audio")
        transceiver.setCodecPreferences([c for c in caps.codecs if c.mimeType.lower() == "audio/" + args.codec.lower()])

    if args.mode == "offer":
        await pc.setLocalDescription(await pc.createOffer())
        send({"type": "offer", "sdp": pc.localDescription.sdp})
        answer = await read()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
    else:
        offer = await read()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        send({"type": "answer", "sdp": pc.localDescription.sdp})

    result = {"type": "result", "states": states}
    try:
        track = await asyncio.wait_for(received, timeout=15)
        audio, rate = await record(track, args.seconds, skip=0.5)
        result.update(analyse(audio, rate))
        result["rate"] = rate
    except asyncio.TimeoutError:
        result["error"] = "no remote track within 15 s"
    result["states"] = states
    send(result)
    await pc.close()


if __name__ == "__main__":
    asyncio.run(main())
