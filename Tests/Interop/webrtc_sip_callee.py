"""A browser-like callee for Tandem's end-to-end tests: registers as USER over SIP/WebSocket the way JsSIP
does (digest), prints {"type":"registered"}, waits for an INVITE, answers it (180, then 200 with aiortc's
answer), sends a tone and records what it hears, printing {"type":"recording"} when the measured part
starts. With `hangup` it sends BYE after SECONDS; with `wait` it waits for the caller's BYE; with `ring`
it never answers, prints {"type":"ringing","webrtc":whether the offer was DTLS-SRTP}, and reports the caller's CANCEL. Prints one JSON result line: the INVITE's From, the received frequency and level,
who hung up, and DTMF digits heard as RFC 4733 events ("digits") and in-band ("inband").
SKIP (default 0.5) is how long after the media starts the recording begins.
Usage: webrtc_sip_callee.py URL DOMAIN USER PASSWORD SECONDS TONE_HZ hangup|wait|ring [SKIP]"""
import asyncio
import json
import sys

import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import aiortc_peer  # noqa: E402
import dtmf  # noqa: E402
from ws_sip_client import Client, header, method, parse_status, response_to, token  # noqa: E402

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
dtmf.enable()


async def main():
    url, domain, user, password = sys.argv[1:5]
    seconds, tone, mode = float(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
    skip = float(sys.argv[8]) if len(sys.argv) > 8 else 0.5
    client = Client(url, domain)
    await client.connect()
    reg = await client.register(user, password)
    print(json.dumps({"type": "registered", "status": reg["status"]}), flush=True)
    ws = client.ws
    result = {"type": "result"}

    invite = None
    while invite is None:
        msg = await asyncio.wait_for(ws.recv(), timeout=30)
        if method(msg) == "INVITE":
            invite = msg
    result["from"] = header(invite, "From")
    to_tag = token(10)
    contact = f"Contact: <sip:{token(8)}@{client.host};transport=ws>"
    await ws.send(response_to(invite, 180, "Ringing", to_tag, [contact]))
    if mode == "ring":
        # Ring until the caller gives up: CANCEL gets 200, the INVITE 487.
        print(json.dumps({"type": "ringing", "webrtc": "UDP/TLS/RTP/SAVPF" in invite and "a=fingerprint:" in invite}), flush=True)
        while True:
            msg = await asyncio.wait_for(ws.recv(), timeout=30)
            if method(msg) == "CANCEL":
                await ws.send(response_to(msg, 200, "OK", to_tag))
                await ws.send(response_to(invite, 487, "Request Terminated", to_tag))
                result["cancelled"] = True
                break
        print(json.dumps(result), flush=True)
        await ws.close()
        return

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    received = asyncio.get_event_loop().create_future()
    pc.on("track", lambda t: received.done() or received.set_result(t))
    offer = invite.split("\r\n\r\n", 1)[1]
    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
    for transceiver in pc.getTransceivers():
        transceiver.sender.replaceTrack(aiortc_peer.ToneTrack(tone))
        transceiver.direction = "sendrecv"
    await pc.setLocalDescription(await pc.createAnswer())
    await ws.send(response_to(invite, 200, "OK", to_tag, [contact], pc.localDescription.sdp))

    bye_seen = asyncio.get_event_loop().create_future()

    async def signalling():
        # Everything after the 200: the ACK, the caller's BYE, the answer to ours.
        while True:
            try:
                msg = await ws.recv()
            except Exception:
                return
            m = method(msg)
            if m == "ACK":
                result["ack"] = True
            elif m == "BYE":
                await ws.send(response_to(msg, 200, "OK", to_tag))
                bye_seen.done() or bye_seen.set_result("remote")
            elif m is not None:
                await ws.send(response_to(msg, 200, "OK", to_tag))
            elif "BYE" in header(msg, "CSeq"):
                result["bye"] = parse_status(msg)
                bye_seen.done() or bye_seen.set_result("local")

    reader = asyncio.ensure_future(signalling())
    try:
        track = await asyncio.wait_for(received, timeout=10)
        audio, rate = await aiortc_peer.record(
            track, seconds, skip=skip, on_skipped=lambda: print(json.dumps({"type": "recording"}), flush=True))
        result.update(aiortc_peer.analyse(audio, rate))
        result["inband"] = aiortc_peer.dtmf_digits(audio, rate)
    except asyncio.TimeoutError:
        result["error"] = "no remote track"
    if mode == "hangup" and not bye_seen.done():
        remote_target = header(invite, "Contact").split("<", 1)[1].split(">", 1)[0]
        lines = [f"BYE {remote_target} SIP/2.0", f"Via: SIP/2.0/WSS {client.host};branch=z9hG4bK{token(7)}",
                 "Max-Forwards: 69", f"From: {header(invite, 'To')};tag={to_tag}", f"To: {header(invite, 'From')}",
                 f"Call-ID: {header(invite, 'Call-ID')}", "CSeq: 1 BYE", "Content-Length: 0"]
        await ws.send("\r\n".join(lines) + "\r\n\r\n")
    try:
        result["hangup"] = await asyncio.wait_for(bye_seen, timeout=15)
    except asyncio.TimeoutError:
        result["hangup"] = None
    reader.cancel()
    await pc.close()
    await ws.close()
    result["digits"] = "".join(dtmf.received)
    print(json.dumps(result), flush=True)


asyncio.run(main())
