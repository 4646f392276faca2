#!/usr/bin/env python3
"""Writes the seed corpora of the binary fuzz targets (Tests/Fuzz/<target>/corpus) from real
message shapes: SIP traffic cut into TCP reads and WebSocket frames, ICE checks sealed with the
harness's password, RTP and RTCP as browsers and phones send them, SRTP protected with the
harness's key (pylibsrtp), DTLS flights from a real OpenSSL handshake (pyOpenSSL). Run it with the
test venv's Python (`.venv/bin/python Tests/Fuzz/make_seeds.py`) after changing a harness's input
format; the files are committed, so nothing here runs in the build."""
import hashlib, hmac, os, struct, zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def chunked(parts):
    return b"".join(struct.pack(">H", len(p)) + p for p in parts)


def write(target, name, data):
    d = ROOT / target / "corpus"
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def sip(name):
    return (ROOT / "sip" / "corpus" / name).read_bytes()


# --- SIP over TCP: reads as a kernel hands them over.
invite = sip("baresip-invite-udp.sip")
write("sip-stream", "invite-in-three-reads", chunked([invite[:40], invite[40:300], invite[300:]]))
write("sip-stream", "pipelined-two", chunked([sip("options-keepalive-tcp.sip") + sip("bye-compact-forms.sip")]))
write("sip-stream", "keepalive-then-request", chunked([b"\r\n\r\n", sip("options-keepalive-tcp.sip")]))
write("sip-stream", "short-content-length", chunked([invite.replace(b"Content-Length: ", b"Content-Length: 1", 1)]))
write("sip-stream", "response", chunked([sip("response-180.sip"), sip("response-486.sip")]))


# --- SIP over WebSocket: client frames are masked (RFC 6455 §5.3).
def frame(opcode, payload, fin=True, mask=b"\x37\xfa\x21\x3d"):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


register = sip("sipjs-register-auth.sip")
ws_invite = sip("jssip-invite-wss.sip")
write("websocket", "register-text", chunked([frame(1, register)]))
write("websocket", "invite-split-reads", chunked([frame(1, ws_invite)[:10], frame(1, ws_invite)[10:]]))
write("websocket", "fragmented", chunked([frame(1, register[:100], fin=False) + frame(0, register[100:])]))
write("websocket", "ping-binary-close", chunked([frame(9, b"hi"), frame(2, register), frame(8, b"\x03\xe8")]))

# --- STUN: ICE checks as Chrome sends them, sealed with the harness's credentials.
PASSWORD = b"fuzzpasswordfuzzpassword"


def attr(t, v):
    return struct.pack(">HH", t, len(v)) + v + b"\0" * (-len(v) % 4)


def stun(msg_type, attrs, integrity=True, fingerprint=True, txid=b"0123456789ab"):
    body = b"".join(attrs)
    def header(extra):
        return struct.pack(">HHI", msg_type, len(body) + extra, 0x2112A442) + txid
    if integrity:
        mac = hmac.new(PASSWORD, header(24) + body, hashlib.sha1).digest()
        body += attr(0x0008, mac)
    if fingerprint:
        crc = (zlib.crc32(header(8) + body) ^ 0x5354554E) & 0xFFFFFFFF
        body += attr(0x8028, struct.pack(">I", crc))
    return header(0) + body


user = attr(0x0006, b"tndm:brws")
prio = attr(0x0024, struct.pack(">I", 0x6E0001FF))
ctl = attr(0x802A, struct.pack(">Q", 42))
write("stun", "check-nominating", stun(0x0001, [user, prio, ctl, attr(0x0025, b"")]))
write("stun", "check", stun(0x0001, [user, prio, ctl, attr(0x8022, b"Chrome")]))
write("stun", "check-controlled", stun(0x0001, [user, prio, attr(0x8029, struct.pack(">Q", 1))]))
write("stun", "unknown-required", stun(0x0001, [user, prio, ctl, attr(0x0777, b"x")]))
write("stun", "no-integrity", stun(0x0001, [user, prio], integrity=False))
xor_v6 = bytes([0, 2]) + struct.pack(">H", 40000 ^ 0x2112) + bytes(16)
write("stun", "response", stun(0x0101, [attr(0x0020, xor_v6)]))
write("stun", "error-response", stun(0x0111, [attr(0x0009, b"\0\0\x04\x01Unauthorized")]))


# --- RTP: the first byte picks the phone codec (0 PCMU, 1 PCMA, 2 G722, 3 Opus); packets
# alternate browser (Opus 111, telephone-event 126) and phone (telephone-event 101, CN 13).
def rtp(pt, seq, ts, payload, ssrc=0xA1B2C3D4, marker=False, ext=b"", csrcs=(), pad=0):
    b0 = 0x80 | (0x10 if ext else 0) | (0x20 if pad else 0) | len(csrcs)
    head = struct.pack(">BBHII", b0, pt | (0x80 if marker else 0), seq, ts, ssrc)
    head += b"".join(struct.pack(">I", c) for c in csrcs) + ext
    tail = b"\0" * (pad - 1) + bytes([pad]) if pad else b""
    return head + payload + tail


audio_level = struct.pack(">HH", 0xBEDE, 1) + bytes([0x10, 0x28, 0, 0])
opus = bytes([0x78]) + bytes((i * 37) & 0xFF for i in range(60))
pcmu = bytes((0x7F + (i * 13) % 40) & 0xFF for i in range(160))


def event(digit, end, duration, volume=10):
    return bytes([digit, (0x80 if end else 0) | volume]) + struct.pack(">H", duration)


for codec in range(4):
    packets = []
    for i in range(6):
        packets.append(rtp(111, 100 + i, 960 * i, opus, ext=audio_level if i == 0 else b""))
        packets.append(rtp(0 if codec == 0 else 8 if codec == 1 else 9 if codec == 2 else 111, 500 + i, 160 * i, pcmu, ssrc=0x55))
    write("rtp", f"speech-codec{codec}", bytes([codec]) + chunked(packets))
dtmf = []
for i, (end, d) in enumerate([(False, 160), (False, 320), (True, 480), (True, 480), (True, 480)]):
    dtmf.append(rtp(126, 10 + i, 9600, event(5, end, d * 6), marker=i == 0))
    dtmf.append(rtp(101, 700 + i, 1600, event(11, end, d), ssrc=0x55, marker=i == 0))
write("rtp", "telephone-events", bytes([0]) + chunked(dtmf))
write("rtp", "inband-cn-padding-csrc", bytes([0x10]) + chunked([
    rtp(111, 1, 0, opus, csrcs=(1, 2), pad=4), rtp(13, 1, 0, bytes([40]), ssrc=0x55),
    rtp(111, 2, 960, opus), rtp(0, 2, 160, pcmu, ssrc=0x55), rtp(100, 3, 320, event(1, False, 320), ssrc=0x55)]))


# --- RTCP: compound packets as the legs send and receive them.
def rtcp(pt, count, body):
    length = (len(body) + 4) // 4 - 1
    return struct.pack(">BBH", 0x80 | count, pt, length) + body


block = struct.pack(">IIIIII", 0xA1B2C3D4, 0x05000010, 1000, 12, 0x12345678, 65536)
sr = rtcp(200, 1, struct.pack(">IIIIII", 0x55, 0xE5F0A1B2, 0x80000000, 16000, 50, 8000) + block)
rr = rtcp(201, 1, struct.pack(">I", 0x55) + block)
cname = b"tandem"
sdes = rtcp(202, 1, struct.pack(">I", 0x55) + bytes([1, len(cname)]) + cname + b"\0\0")
write("rtcp", "sr-sdes", sr + sdes)
write("rtcp", "rr-sdes-bye", rr + sdes + rtcp(203, 1, struct.pack(">I", 0x55) + b"\x04gone\0\0\0"))
write("rtcp", "feedback", rr + rtcp(206, 1, struct.pack(">II", 1, 0x55)) + rtcp(205, 1, struct.pack(">IIHH", 1, 0x55, 7, 0)))
write("rtcp", "app-xr", rr + rtcp(204, 0, struct.pack(">I", 0x55) + b"name" + b"data") + rtcp(207, 0, struct.pack(">I", 0x55)))

# --- SRTP: the first byte picks the profile (even: AES_CM_128_HMAC_SHA1_80, odd: AEAD_AES_128_GCM);
# packets protected with the harness's inbound key, then some plain ones for the round trip.
import pylibsrtp


def key(length, seed):
    return bytes((i * 7 + seed) & 0xFF for i in range(length))


for first, profile, keylen in [(0, pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_80, 30),
                               (1, pylibsrtp.Policy.SRTP_PROFILE_AEAD_AES_128_GCM, 28)]:
    session = pylibsrtp.Session(pylibsrtp.Policy(key=key(keylen, 1), ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND, srtp_profile=profile))
    protected = [session.protect(rtp(111, 1 + i, 960 * i, opus)) for i in range(4)]
    protected.append(session.protect_rtcp(sr + sdes))
    write("srtp", f"protected-{first}", bytes([first]) + chunked(protected + [protected[1]]))
    write("srtp", f"plain-{first}", bytes([first]) + chunked([rtp(0, 9, 1440, pcmu), sr + sdes, rtp(0, 10, 1600, pcmu)]))

# --- DTLS: flights of a real DTLS 1.2 handshake between two pyOpenSSL endpoints in memory. The
# first byte picks our role: 0 we are server (the inputs are the client's flights), 1 we are client.
from OpenSSL import SSL, crypto


def identity():
    k = crypto.PKey()
    k.generate_key(crypto.TYPE_RSA, 2048)
    c = crypto.X509()
    c.get_subject().CN = "seed"
    c.set_serial_number(1)
    c.gmtime_adj_notBefore(0)
    c.gmtime_adj_notAfter(3600)
    c.set_issuer(c.get_subject())
    c.set_pubkey(k)
    c.sign(k, "sha256")
    return k, c


def endpoint(server):
    ctx = SSL.Context(SSL.DTLS_METHOD)
    k, c = identity()
    ctx.use_privatekey(k)
    ctx.use_certificate(c)
    ctx.set_verify(SSL.VERIFY_PEER, lambda *a: True)
    ctx.set_tlsext_use_srtp(b"SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80")
    conn = SSL.Connection(ctx, None)
    conn.set_accept_state() if server else conn.set_connect_state()
    return conn


def pump(conn):
    try:
        conn.do_handshake()
    except SSL.WantReadError:
        pass
    out = b""
    while True:
        try:
            out += conn.bio_read(65536)
        except SSL.WantReadError:
            return out


client, server = endpoint(False), endpoint(True)
flights = {"client": [], "server": []}
data = pump(client)
for _ in range(6):
    if not data:
        break
    flights["client"].append(data)
    server.bio_write(data)
    reply = pump(server)
    if not reply:
        break
    flights["server"].append(reply)
    client.bio_write(reply)
    data = pump(client)
write("dtls", "client-flights", bytes([0]) + chunked(flights["client"]))
write("dtls", "client-hello", bytes([0]) + chunked(flights["client"][:1]))
write("dtls", "server-flights", bytes([1]) + chunked(flights["server"]))
write("dtls", "alert", bytes([0]) + chunked([bytes([21, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 40])]))

# --- The config file: the shipped ones and a few sections on their own.
repo = ROOT.parent.parent
write("config", "tandem.yaml", (repo / "tandem.yaml").read_bytes())
write("config", "contrib-tandem.yaml", (repo / "contrib" / "tandem.yaml").read_bytes())
write("config", "minimal.yaml", b"sip:\n  udp: 127.0.0.1:5060\n")
write("config", "bad-indent.yaml", b"sip:\n  udp: 127.0.0.1:5060\n bad: [1, 2\n")
print("seeds written under", ROOT)
