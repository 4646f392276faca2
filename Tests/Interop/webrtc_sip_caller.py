"""A browser-like caller for Tandem's end-to-end tests: SIP over WebSocket the way JsSIP does it, with
aiortc for the WebRTC media. It calls a destination, answers the 407 challenge, sends a tone, records
what comes back, hangs up, and prints one JSON line: the final status, the received audio's frequency
(FFT) and level, and the BYE's status.
With a last argument `wait` it prints {"type":"recorded"} once it has recorded and waits for the far
end's BYE instead of sending one; with `hold` it puts the call on hold by re-INVITE (a=sendonly) first;
with `cancel` it sends CANCEL when the first 18x arrives; with `vanish` it closes its peer connection
(DTLS close_notify) without a BYE, and with `silent-ice` it stops its ICE consent checks (RFC 7675) while
media goes on, both as a crashed or cut-off tab would, and waits for the gateway's BYE. A 18x with SDP
(early media) is applied at once and one second of it analysed ("early" in the result). DIGITS are sent as
RFC 4733 events once media flows; digits received are in the result. Re-INVITEs from the far end (hold,
resume) are answered, and the direction each offered is listed under "reoffers".
Usage: webrtc_sip_caller.py URL DOMAIN USER PASSWORD DEST [SECONDS] [TONE_HZ] [hangup|wait|hold|cancel|vanish|silent-ice] [DIGITS]."""
import asyncio
import json
import sys

import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import aiortc_peer  # noqa: E402  (the tone track and the analysis)
import dtmf  # noqa: E402
from ws_sip_client import header, md5, parse_auth, parse_status, response_to, token  # noqa: E402
import websockets  # noqa: E402

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
dtmf.enable()


async def main():
    url, domain, user, password, dest = sys.argv[1:6]
    seconds = float(sys.argv[6]) if len(sys.argv) > 6 else 2.0
    tone = float(sys.argv[7]) if len(sys.argv) > 7 else 1000.0
    mode = sys.argv[8] if len(sys.argv) > 8 else "hangup"
    digits = sys.argv[9] if len(sys.argv) > 9 else ""
    result = {"type": "result"}
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    received = asyncio.get_event_loop().create_future()
    pc.on("track", lambda t: received.done() or received.set_result(t))
    pc.addTransceiver(aiortc_peer.ToneTrack(tone), direction="sendrecv")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp

    host = token(12) + ".invalid"
    call_id, tag = token(20), token(10)
    uri = f"sip:{dest}@{domain}"
    ws = await websockets.connect(url, subprotocols=["sip"], open_timeout=5)

    def request(method, cseq, branch, extra=(), body="", to_tag=None, ruri=uri):
        to = f"<{uri}>" + (f";tag={to_tag}" if to_tag else "")
        lines = [f"{method} {ruri} SIP/2.0", f"Via: SIP/2.0/WSS {host};branch=z9hG4bK{branch}", "Max-Forwards: 69",
                 f"To: {to}", f"From: <sip:{user}@{domain}>;tag={tag}", f"Call-ID: {call_id}", f"CSeq: {cseq} {method}",
                 f"Contact: <sip:{token(8)}@{host};transport=ws;ob>", *extra]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body.encode())}")
        return "\r\n".join(lines) + "\r\n\r\n" + body

    early = {}

    async def record_early():
        track = await asyncio.wait_for(received, timeout=10)
        audio, rate = await aiortc_peer.record(track, 1.0, skip=0.3)
        result["early"] = aiortc_peer.analyse(audio, rate)

    async def final_response():
        while True:
            msg = await asyncio.wait_for(ws.recv(), timeout=20)
            status = parse_status(msg)
            if status is None:
                continue
            if "CANCEL" in header(msg, "CSeq"):
                result["cancel"] = status
                continue
            if 100 < status < 200:
                result.setdefault("provisional", []).append(status)
                body = msg.split("\r\n\r\n", 1)[1]
                if body.strip() and "applied" not in early:
                    early["applied"] = True
                    await pc.setRemoteDescription(RTCSessionDescription(sdp=body, type="answer"))
                    early["task"] = asyncio.ensure_future(record_early())
                if mode == "cancel" and "cancelled" not in early:
                    early["cancelled"] = True
                    await ws.send(request("CANCEL", cseq, branch))
            if status >= 200:
                return msg

    branch = token(7)
    cseq = 1
    await ws.send(request("INVITE", 1, branch, body=sdp))
    reply = await final_response()
    if parse_status(reply) == 407:
        to_tag = header(reply, "To").split("tag=")[-1]
        await ws.send(request("ACK", 1, branch, to_tag=to_tag))
        p = parse_auth(header(reply, "Proxy-Authenticate"))
        cnonce, nc = token(12), "00000001"
        ha1, ha2 = md5(f"{user}:{p['realm']}:{password}"), md5(f"INVITE:{uri}")
        response = md5(f"{ha1}:{p['nonce']}:{nc}:{cnonce}:auth:{ha2}")
        auth = (f'Proxy-Authorization: Digest algorithm=MD5, username="{user}", realm="{p["realm"]}", nonce="{p["nonce"]}", '
                f'uri="{uri}", response="{response}", qop=auth, cnonce="{cnonce}", nc={nc}')
        cseq = 2
        branch = token(7)
        await ws.send(request("INVITE", cseq, branch, extra=[auth], body=sdp))
        reply = await final_response()
    result["status"] = parse_status(reply)
    if result["status"] >= 300:
        await ws.send(request("ACK", cseq, branch, to_tag=header(reply, "To").split("tag=")[-1]))
    if result["status"] != 200:
        print(json.dumps(result), flush=True)
        return
    to_tag = header(reply, "To").split("tag=")[-1]
    contact = header(reply, "Contact").split("<", 1)[1].split(">", 1)[0]
    await ws.send(request("ACK", cseq, token(7), to_tag=to_tag, ruri=contact))
    answer = reply.split("\r\n\r\n", 1)[1]
    if "applied" not in early:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    else:
        await early["task"]
    # From here on the far end may send requests at any time (re-INVITE for hold, BYE): one reader
    # answers them and hands responses to whoever waits for one.
    responses, bye_received = asyncio.Queue(), asyncio.get_event_loop().create_future()

    def reply_to(msg, status, reason, body=""):
        return response_to(msg, status, reason, extra=[f"Contact: <sip:{user}@{host};transport=ws>"] if body else [], body=body)

    async def reader():
        while True:
            msg = await ws.recv()
            if msg.startswith("INVITE "):
                offer = msg.split("\r\n\r\n", 1)[1]
                direction = next((d for d in ("sendonly", "recvonly", "inactive", "sendrecv") if f"a={d}" in offer), "sendrecv")
                result.setdefault("reoffers", []).append(direction)
                await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
                await pc.setLocalDescription(await pc.createAnswer())
                await ws.send(reply_to(msg, 200, "OK", pc.localDescription.sdp))
            elif msg.startswith("BYE "):
                await ws.send(reply_to(msg, 200, "OK"))
                bye_received.done() or bye_received.set_result(True)
            elif msg.startswith("SIP/2.0"):
                await responses.put(msg)

    reading = asyncio.ensure_future(reader())
    try:
        track = await asyncio.wait_for(received, timeout=10)
        asyncio.get_event_loop().call_later(0.5, dtmf.send, digits)
        audio, rate = await aiortc_peer.record(track, seconds, skip=0.5)
        result.update(aiortc_peer.analyse(audio, rate))
        result["inband"] = aiortc_peer.dtmf_digits(audio, rate)
    except asyncio.TimeoutError:
        result["error"] = "no remote track"
    if mode == "hold":
        # Hold the way a browser phone does: re-INVITE with our SDP made sendonly.
        held = pc.localDescription.sdp.replace("a=sendrecv", "a=sendonly")
        await ws.send(request("INVITE", cseq + 1, token(7), body=held, to_tag=to_tag, ruri=contact))
        while True:
            msg = await asyncio.wait_for(responses.get(), timeout=10)
            if "INVITE" in header(msg, "CSeq") and parse_status(msg) >= 200:
                result["hold"] = parse_status(msg)
                break
        await ws.send(request("ACK", cseq + 1, token(7), to_tag=to_tag, ruri=contact))
        cseq += 1
    if mode == "vanish":
        await pc.close()
    if mode == "silent-ice":
        for transceiver in pc.getTransceivers():
            consent = transceiver.sender.transport.transport._connection._query_consent_task
            if consent:
                consent.cancel()
    if mode in ("wait", "hold", "vanish", "silent-ice"):
        print(json.dumps({"type": "recorded"}), flush=True)
        try:
            await asyncio.wait_for(bye_received, timeout=20)
            result["hangup"] = "remote"
        except asyncio.TimeoutError:
            result["hangup"] = None
    else:
        await ws.send(request("BYE", cseq + 1, token(7), to_tag=to_tag, ruri=contact))
        while True:
            msg = await asyncio.wait_for(responses.get(), timeout=10)
            if "BYE" in header(msg, "CSeq") and parse_status(msg) >= 200:
                result["bye"] = parse_status(msg)
                break
    reading.cancel()
    await pc.close()
    await ws.close()
    result["digits"] = "".join(dtmf.received)
    print(json.dumps(result), flush=True)


asyncio.run(main())
