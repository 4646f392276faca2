"""A page's HTTP call (docs/http-calls.md) played by aiortc, with no SIP at all.

Usage: http_caller.py BASE_URL TOKEN DESTINATION SECONDS TONE_HZ [--dtmf DIGITS] [--expect-dtmf N]
                      [--hangup] [--cancel-on EVENT]

POSTs its offer (full ICE gathering) to BASE_URL/call/DESTINATION with `Authorization: Bearer TOKEN`,
takes the 201's answer and reads the call's Server-Sent Events. Once `answered`, it records SECONDS
of what it hears while sending a TONE_HZ sine, POSTs DIGITS to …/dtmf, waits for N `dtmf` events,
then with --hangup DELETEs the call; either way it waits for `ended`. With --cancel-on it DELETEs
the call as soon as that event (`ringing`, `early-media`) comes, before any answer. Prints JSON lines:
{"type":"event",...} per event and a final {"type":"result", ...} with the HTTP status, the heard
tone's frequency (FFT) and level, every event's name, the digits the events carried and the
DELETE's status. A refused POST prints the result at once with its status, headers and body.
Every wait is bounded.
"""
import argparse
import asyncio
import http.client
import json
import sys
import threading
import time
import urllib.error
import urllib.request

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from aiortc_peer import ToneTrack, analyse, record, send


def request(method, url, token, body=None, content_type=None):
    """(status, headers, body bytes) of one HTTP request; errors are answers too."""
    headers = {"Authorization": "Bearer " + token}
    if content_type:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def read_events(url, loop, queue, stop):
    """Reads the SSE stream on a thread and hands each event to the asyncio queue."""
    parsed = urllib.request.urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    try:
        conn.request("GET", parsed.path, headers={"Accept": "text/event-stream"})
        r = conn.getresponse()
        if r.status != 200:
            loop.call_soon_threadsafe(queue.put_nowait, {"event": "stream-error", "data": {"status": r.status}})
            return
        name, data = None, ""
        while not stop.is_set():
            line = r.readline()
            if not line:
                break
            line = line.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif line == "" and name:
                loop.call_soon_threadsafe(queue.put_nowait, {"event": name, "data": json.loads(data or "{}")})
                name, data = None, ""
    except Exception as e:  # the stream's end is an event for the test, not a crash
        loop.call_soon_threadsafe(queue.put_nowait, {"event": "stream-error", "data": {"error": str(e)}})
    finally:
        conn.close()
        loop.call_soon_threadsafe(queue.put_nowait, {"event": "stream-closed", "data": {}})


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("token")
    parser.add_argument("destination")
    parser.add_argument("seconds", type=float)
    parser.add_argument("tone", type=float)
    parser.add_argument("--dtmf", default="")
    parser.add_argument("--expect-dtmf", type=int, default=0)
    parser.add_argument("--hangup", action="store_true")
    parser.add_argument("--cancel-on", default=None)
    args = parser.parse_args()

    loop = asyncio.get_event_loop()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    received = loop.create_future()

    @pc.on("track")
    def on_track(track):
        if not received.done():
            received.set_result(track)

    pc.addTransceiver(ToneTrack(args.tone), direction="sendrecv")
    await pc.setLocalDescription(await pc.createOffer())
    url = args.base + "/call/" + args.destination
    status, headers, body = await loop.run_in_executor(
        None, request, "POST", url, args.token, pc.localDescription.sdp.encode(), "application/sdp")
    result = {"type": "result", "status": status, "links": headers.get_all("Link") or []}
    if status != 201:
        result["body"] = body.decode(errors="replace")
        result["wwwAuthenticate"] = headers.get("WWW-Authenticate")
        send(result)
        await pc.close()
        return
    location = headers.get("Location")
    result["location"] = location
    await pc.setRemoteDescription(RTCSessionDescription(sdp=body.decode(), type="answer"))

    queue, stop = asyncio.Queue(), threading.Event()
    threading.Thread(target=read_events, args=(args.base + location + "/events", loop, queue, stop), daemon=True).start()
    events, digits = [], ""

    async def next_event(until, timeout):
        """Events up to the first whose name is in `until` (or None at the timeout)."""
        nonlocal digits
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                e = await asyncio.wait_for(queue.get(), timeout=max(0.01, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                break
            events.append(e["event"])
            send({"type": "event", **e})
            if e["event"] == "dtmf":
                digits += e["data"].get("digit", "")
            if e["event"] == "ended":
                result["ended"] = e["data"]
            if e["event"] in until:
                return e
        return None

    answered = await next_event({"answered", "ended", "stream-closed", args.cancel_on}, 20)
    if answered and answered["event"] == args.cancel_on:
        s, _, _ = await loop.run_in_executor(None, request, "DELETE", args.base + location, args.token)
        result["delete"] = s
    elif answered and answered["event"] == "answered":
        if args.dtmf:
            s, _, b = await loop.run_in_executor(
                None, request, "POST", args.base + location + "/dtmf", args.token, json.dumps({"digits": args.dtmf}).encode(),
                "application/json")
            result["dtmfStatus"] = s
        try:
            track = await asyncio.wait_for(received, timeout=10)
            audio, rate = await record(track, args.seconds, skip=0.5)
            result.update(analyse(audio, rate))
        except asyncio.TimeoutError:
            result["error"] = "no remote track within 10 s"
        deadline = time.monotonic() + 15
        while len(digits) < args.expect_dtmf and time.monotonic() < deadline:
            if await next_event({"ended", "stream-closed"}, deadline - time.monotonic()) is not None:
                break
        if args.hangup:
            s, _, _ = await loop.run_in_executor(None, request, "DELETE", args.base + location, args.token)
            result["delete"] = s
    if "ended" not in events:
        await next_event({"ended"}, 20)
    result["events"] = events
    result["digits"] = digits
    stop.set()
    send(result)
    await pc.close()


if __name__ == "__main__":
    asyncio.run(main())
