"""RFC 4733 DTMF for aiortc, which has neither a DTMF sender nor a receiver: `enable()` adds
telephone-event/48000 and /8000 to what aiortc offers and answers, records every event that arrives
(instead of handing it to a decoder that does not exist), and `send(digits)` queues digits that replace
outgoing audio packets the way a browser's RTCDTMFSender does: same SSRC, the sender's own sequence
numbers, the event's timestamp held, marker on the first packet, end packets sent three times."""
import struct

from aiortc import codecs
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcrtpreceiver import RTCRtpReceiver

EVENTS = "0123456789*#ABCD"
received = []          # digits in arrival order, one per event
_seen = set()          # (ssrc, timestamp) of events already recorded
_queue = []            # digits waiting to be sent
_state = {}            # the event being sent


def enable():
    audio = codecs.CODECS["audio"]
    if not any(c.mimeType.lower() == "audio/telephone-event" for c in audio):
        audio.append(RTCRtpCodecParameters(mimeType="audio/telephone-event", clockRate=48000, channels=1, payloadType=101,
                                           parameters={"0-16": None}))
        audio.append(RTCRtpCodecParameters(mimeType="audio/telephone-event", clockRate=8000, channels=1, payloadType=102,
                                           parameters={"0-16": None}))
    original_receive = RTCRtpReceiver._handle_rtp_packet

    async def receive(self, packet, arrival_time_ms):
        codec = self._RTCRtpReceiver__codecs.get(packet.payload_type)
        if codec is not None and codec.mimeType.lower() == "audio/telephone-event":
            if len(packet.payload) >= 4 and packet.payload[1] & 0x80 and (packet.ssrc, packet.timestamp) not in _seen:
                _seen.add((packet.ssrc, packet.timestamp))
                if packet.payload[0] < len(EVENTS):
                    received.append(EVENTS[packet.payload[0]])
            return
        await original_receive(self, packet, arrival_time_ms)

    RTCRtpReceiver._handle_rtp_packet = receive
    original_send = RTCDtlsTransport._send_rtp

    async def send_rtp(self, data):
        if (_queue or _state) and len(data) >= 12 and not 200 <= data[1] <= 204:
            data = _rewrite(bytearray(data))
        await original_send(self, data)

    RTCDtlsTransport._send_rtp = send_rtp


def send(digits):
    _queue.extend(digits)


def _rewrite(packet):
    """Turns one outgoing 20 ms audio packet into the next packet of the current event, or leaves it
    (the pause between digits)."""
    if not _state:
        _state.update(digit=_queue.pop(0), n=0, timestamp=struct.unpack("!I", packet[4:8])[0])
    state = _state
    state["n"] += 1
    n = state["n"]
    if n > 13:                      # 5 tone packets, 3 end packets, then 5 packets of audio as a gap
        _state.clear()
        return bytes(packet)
    if n > 8:
        return bytes(packet)
    header = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10:
        header += 4 + 4 * struct.unpack("!H", packet[header + 2:header + 4])[0]
    end = n > 5
    duration = 960 * min(n, 5)
    packet[1] = (0x80 if n == 1 else 0) | 101
    packet[4:8] = struct.pack("!I", state["timestamp"])
    payload = bytes([EVENTS.index(state["digit"]), (0x80 if end else 0) | 10]) + struct.pack("!H", duration)
    return bytes(packet[:header]) + payload
