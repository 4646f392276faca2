"""A SIP-over-WebSocket client that behaves the way JsSIP and SIP.js do (RFC 7118), for Tandem's tests.

Commands arrive as JSON lines on stdin and each gets one JSON line back on stdout:
  {"cmd": "register", "user": "alice", "password": "alice", "auth_user": optional, "expires": 600}
      -> {"status": 200, "reason": "OK", "contacts": [...], "challenged": true, "require": "outbound", "flowTimer": "30"}
  {"cmd": "raw", "data": "..."}   sends bytes as one text frame -> {"status": 400, "reason": "...", "warning": ...}
  {"cmd": "options"}              -> {"status": 200}
  {"cmd": "close"}                closes the socket and exits
It uses a random `.invalid` Via host, a `;transport=ws` Contact with `;ob`, `+sip.instance` and
`reg-id`, and `Supported: path, gruu, outbound`, like the browser libraries.
Usage: ws_sip_client.py URL DOMAIN [CAFILE]; URL is ws://, wss:// or tls://host:port (plain SIP over TLS),
and CAFILE the certificate the TLS peer must present.
"""
import asyncio
import hashlib
import json
import random
import string
import ssl
import sys
import uuid

import websockets


def token(n=10):
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(n))


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


class TLSStream:
    """SIP over TLS (RFC 3261 §18) with the WebSocket client's send/recv: messages framed by Content-Length."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    async def send(self, text):
        self.writer.write(text.encode())
        await self.writer.drain()

    async def recv(self):
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode()
        length = 0
        for line in head.split("\r\n"):
            k, _, v = line.partition(":")
            if k.strip().lower() in ("content-length", "l"):
                length = int(v.strip())
        body = (await self.reader.readexactly(length)).decode() if length else ""
        return head + body

    async def close(self):
        self.writer.close()


class Client:
    """A JsSIP-style client over ws://, wss:// or tls://; `cafile` is the certificate to trust for TLS."""

    def __init__(self, url, domain, cafile=None):
        self.url = url
        self.domain = domain
        self.cafile = cafile
        self.transport = "TLS" if url.startswith("tls://") else "WSS"
        self.host = token(12) + ".invalid"
        self.instance = str(uuid.uuid4())
        self.call_id = token(22)
        self.cseq = 0
        self.tag = token(10)
        self.ws = None

    def ssl_context(self):
        context = ssl.create_default_context(cafile=self.cafile)
        context.check_hostname = False   # the gateway's generated certificate names "tandem", not 127.0.0.1
        return context

    async def connect(self):
        if self.url.startswith("tls://"):
            host, port = self.url[6:].rsplit(":", 1)
            reader, writer = await asyncio.open_connection(host, int(port), ssl=self.ssl_context())
            self.ws = TLSStream(reader, writer)
        else:
            secure = self.ssl_context() if self.url.startswith("wss://") else None
            self.ws = await websockets.connect(self.url, subprotocols=["sip"], open_timeout=5, ssl=secure)

    async def request(self, text):
        await self.ws.send(text)
        while True:
            reply = await asyncio.wait_for(self.ws.recv(), timeout=5)
            status = parse_status(reply)
            if status is not None and status >= 200:
                return reply

    def register_message(self, user, expires, auth=None):
        self.cseq += 1
        lines = [
            f"REGISTER sip:{self.domain} SIP/2.0",
            f"Via: SIP/2.0/{self.transport} {self.host};branch=z9hG4bK{token(7)}",
            "Max-Forwards: 69",
            f"To: <sip:{user}@{self.domain}>",
            f"From: <sip:{user}@{self.domain}>;tag={self.tag}",
            f"Call-ID: {self.call_id}",
            f"CSeq: {self.cseq} REGISTER",
            f'Contact: <sip:{token(8)}@{self.host};transport={"tls" if self.transport == "TLS" else "ws"};ob>;+sip.ice;reg-id=1;+sip.instance="<urn:uuid:{self.instance}>";expires={expires}',
            f"Expires: {expires}",
            "Allow: INVITE,ACK,CANCEL,BYE,UPDATE,MESSAGE,OPTIONS,REFER,INFO,NOTIFY",
            "Supported: path,gruu,outbound",
            "User-Agent: JsSIP 3.10.0 (test)",
        ]
        if auth:
            lines.append(auth)
        lines.append("Content-Length: 0")
        return "\r\n".join(lines) + "\r\n\r\n"

    async def register(self, user, password, auth_user=None, expires=600):
        auth_user = auth_user or user
        reply = await self.request(self.register_message(user, expires))
        challenged = False
        if parse_status(reply) == 401:
            challenged = True
            challenge = header(reply, "WWW-Authenticate")
            params = parse_auth(challenge)
            realm, nonce = params["realm"], params["nonce"]
            uri = f"sip:{self.domain}"
            cnonce = token(12)
            nc = "00000001"
            ha1 = md5(f"{auth_user}:{realm}:{password}")
            ha2 = md5(f"REGISTER:{uri}")
            response = md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            auth = (f'Authorization: Digest algorithm=MD5, username="{auth_user}", realm="{realm}", nonce="{nonce}", '
                    f'uri="{uri}", response="{response}", qop=auth, cnonce="{cnonce}", nc={nc}')
            if "opaque" in params:
                auth += f', opaque="{params["opaque"]}"'
            reply = await self.request(self.register_message(user, expires, auth))
        return {"status": parse_status(reply), "reason": reason(reply), "challenged": challenged,
                "contacts": headers(reply, "Contact"), "require": header(reply, "Require"), "flowTimer": header(reply, "Flow-Timer")}

    async def options(self):
        self.cseq += 1
        text = "\r\n".join([
            f"OPTIONS sip:{self.domain} SIP/2.0", f"Via: SIP/2.0/{self.transport} {self.host};branch=z9hG4bK{token(7)}",
            "Max-Forwards: 69", f"To: <sip:{self.domain}>", f"From: <sip:probe@{self.domain}>;tag={self.tag}",
            f"Call-ID: {token(20)}", f"CSeq: {self.cseq} OPTIONS", "Content-Length: 0"]) + "\r\n\r\n"
        reply = await self.request(text)
        return {"status": parse_status(reply), "reason": reason(reply)}

    async def raw(self, data):
        await self.ws.send(data)
        try:
            reply = await asyncio.wait_for(self.ws.recv(), timeout=5)
        except asyncio.TimeoutError:
            return {"status": None}
        return {"status": parse_status(reply), "reason": reason(reply), "warning": header(reply, "Warning")}


def response_to(request, status, reason, to_tag=None, extra=(), body=""):
    """A response to `request` (Via, From, To with `to_tag` added when it has none, Call-ID, CSeq)."""
    lines = [f"SIP/2.0 {status} {reason}"]
    lines += [f"Via: {v}" for v in headers(request, "Via")]
    to = header(request, "To")
    if to_tag and "tag=" not in to:
        to += f";tag={to_tag}"
    lines += [f"From: {header(request, 'From')}", f"To: {to}", f"Call-ID: {header(request, 'Call-ID')}",
              f"CSeq: {header(request, 'CSeq')}", *extra]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append(f"Content-Length: {len(body.encode())}")
    return "\r\n".join(lines) + "\r\n\r\n" + body


def method(msg):
    """The method of a request, None for a response."""
    first = msg.split("\r\n", 1)[0]
    return None if first.startswith("SIP/2.0") else first.split(" ", 1)[0]


def parse_status(msg):
    first = msg.split("\r\n", 1)[0]
    if first.startswith("SIP/2.0 "):
        return int(first.split(" ")[1])
    return None


def reason(msg):
    parts = msg.split("\r\n", 1)[0].split(" ", 2)
    return parts[2] if len(parts) > 2 else ""


def headers(msg, name):
    out = []
    for line in msg.split("\r\n\r\n", 1)[0].split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == name.lower():
            out.append(v.strip())
    return out


def header(msg, name):
    values = headers(msg, name)
    return values[0] if values else None


def parse_auth(value):
    value = value.split(" ", 1)[1]
    params = {}
    for part in value.split(","):
        k, _, v = part.strip().partition("=")
        params[k.strip()] = v.strip().strip('"')
    return params


async def main():
    url, domain = sys.argv[1], sys.argv[2]
    client = Client(url, domain, sys.argv[3] if len(sys.argv) > 3 else None)
    await client.connect()
    loop = asyncio.get_event_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        cmd = json.loads(line)
        try:
            if cmd["cmd"] == "register":
                out = await client.register(cmd["user"], cmd["password"], cmd.get("auth_user"), cmd.get("expires", 600))
            elif cmd["cmd"] == "options":
                out = await client.options()
            elif cmd["cmd"] == "raw":
                out = await client.raw(cmd["data"])
            elif cmd["cmd"] == "close":
                await client.ws.close()
                print(json.dumps({"closed": True}), flush=True)
                break
            else:
                out = {"error": "unknown command"}
        except Exception as e:  # report, do not die: the test reads the error
            out = {"error": repr(e)}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
