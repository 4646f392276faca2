// A small SIP-over-WebSocket user agent (RFC 3261, RFC 7118) for Tandem's web phone: what a browser
// SIP library does, and no more. Messages are parsed and built as text; the WebSocket is reliable, so
// client transactions need no retransmission, only a timeout.
"use strict";

const SIP = (() => {
  const COMPACT = { v: "via", f: "from", t: "to", i: "call-id", m: "contact", l: "content-length", c: "content-type",
                    k: "supported", s: "subject", o: "event", r: "refer-to", x: "session-expires" };

  function token(n = 10) {
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    const bytes = crypto.getRandomValues(new Uint8Array(n));
    return Array.from(bytes, b => alphabet[b % alphabet.length]).join("");
  }

  /** Parses one message: start line, headers by lowercase name (in order), body. */
  function parse(text) {
    const split = text.indexOf("\r\n\r\n");
    const head = split < 0 ? text : text.slice(0, split);
    const body = split < 0 ? "" : text.slice(split + 4);
    const lines = head.split("\r\n");
    const start = lines.shift().split(" ");
    const headers = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      let name = line.slice(0, colon).trim().toLowerCase();
      name = COMPACT[name] || name;
      (headers[name] = headers[name] || []).push(line.slice(colon + 1).trim());
    }
    const message = { headers, body, raw: text };
    if (start[0] === "SIP/2.0") {
      message.status = parseInt(start[1], 10);
      message.reason = start.slice(2).join(" ");
    } else {
      message.method = start[0];
      message.uri = start[1];
    }
    message.header = name => (headers[name.toLowerCase()] || [])[0];
    return message;
  }

  /** The `tag` parameter of a From or To value. */
  function tag(value) {
    const m = /;\s*tag=([^;>\s]+)/i.exec(value || "");
    return m ? m[1] : null;
  }

  /** The URI inside `<...>`, or the value up to its parameters. */
  function uriOf(value) {
    const m = /<([^>]+)>/.exec(value || "");
    return m ? m[1] : (value || "").split(";")[0].trim();
  }

  /** Digest credentials (RFC 2617) for a 401/407 challenge. */
  function authorize(challenge, method, uri, username, password) {
    const params = {};
    challenge.replace(/^Digest\s+/i, "").replace(/(\w+)=("([^"]*)"|[^,\s]*)/g, (_, k, v, q) => { params[k.toLowerCase()] = q !== undefined ? q : v; });
    const ha1 = md5(`${username}:${params.realm}:${password}`);
    const ha2 = md5(`${method}:${uri}`);
    const qop = (params.qop || "").split(",").map(s => s.trim()).includes("auth") ? "auth" : null;
    const cnonce = token(12), nc = "00000001";
    const response = qop ? md5(`${ha1}:${params.nonce}:${nc}:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${params.nonce}:${ha2}`);
    let value = `Digest algorithm=MD5, username="${username}", realm="${params.realm}", nonce="${params.nonce}", uri="${uri}", response="${response}"`;
    if (qop) value += `, qop=auth, cnonce="${cnonce}", nc=${nc}`;
    if (params.opaque) value += `, opaque="${params.opaque}"`;
    return value;
  }

  /**
   * The user agent: one WebSocket, registration kept fresh, and a callback per incoming request.
   * `onRequest(message)` handles requests (the phone answers through `respond`); `onState(text, ok)`
   * reports the connection and registration for the page.
   */
  class UserAgent {
    constructor({ url, user, password, domain, onRequest, onState }) {
      Object.assign(this, { url, user, password, domain, onRequest, onState });
      this.host = token(12) + ".invalid";
      this.contact = `<sip:${token(8)}@${this.host};transport=ws;ob>`;
      this.instance = crypto.randomUUID ? crypto.randomUUID() : token(32);
      this.pending = new Map();      // branch -> { resolve, onProvisional, timer }
      this.registerCallID = token(20);
      this.registerCSeq = 0;
      this.retry = 1000;
      this.closed = false;
    }

    start() {
      this.closed = false;
      this.connect();
    }

    stop() {
      this.closed = true;
      clearTimeout(this.refreshTimer);
      if (this.ws && this.ws.readyState === WebSocket.OPEN) {
        this.register(0).finally(() => this.ws.close());
      }
    }

    connect() {
      this.onState("Connecting…", null);
      const ws = new WebSocket(this.url, "sip");
      this.ws = ws;
      ws.onopen = () => {
        this.retry = 1000;
        this.register(600).then(r => {
          if (r.status >= 200 && r.status < 300) {
            this.registered = true;
            this.onState(`Registered as ${this.user}`, true);
          } else if (r.status === 401 || r.status === 407 || r.status === 403) {
            this.onState(`Wrong user name or password (${r.status} ${r.reason})`, false);
          } else {
            this.onState(`Registration refused: ${r.status} ${r.reason}`, false);
          }
        }, e => this.onState(`Registration failed: ${e.message}`, false));
      };
      ws.onmessage = event => this.receive(typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data));
      ws.onclose = () => {
        this.registered = false;
        for (const [, p] of this.pending) { clearTimeout(p.timer); p.resolve({ status: 408, reason: "Connection lost", header: () => undefined, headers: {} }); }
        this.pending.clear();
        clearTimeout(this.refreshTimer);
        if (this.closed) return;
        // Reconnect with back-off, then register again (the server dropped the binding with the socket).
        this.onState(`Connection to ${this.url} lost — reconnecting in ${this.retry / 1000} s`, false);
        setTimeout(() => this.connect(), this.retry);
        this.retry = Math.min(this.retry * 2, 30000);
      };
    }

    send(text) {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) throw new Error("not connected");
      this.ws.send(text);
    }

    /** Sends a request and resolves with its final response; provisional ones go to `onProvisional`. */
    request(text, onProvisional = () => {}) {
      // A client transaction is its branch and method (§17.1.3): a CANCEL shares the INVITE's branch.
      const branch = /branch=([^;\s]+)/.exec(text)[1] + " " + /^CSeq:\s*\d+\s+(\S+)/m.exec(text)[1];
      return new Promise(resolve => {
        const timer = setTimeout(() => {
          this.pending.delete(branch);
          resolve({ status: 408, reason: "Request Timeout", header: () => undefined, headers: {} });
        }, 32000);
        this.pending.set(branch, { resolve, onProvisional, timer });
        try { this.send(text); } catch (e) { clearTimeout(timer); this.pending.delete(branch); resolve({ status: 503, reason: e.message, header: () => undefined, headers: {} }); }
      });
    }

    receive(text) {
      if (/^\s*$/.test(text)) return;
      const message = parse(text);
      if (message.status) {
        const branch = (/branch=([^;\s]+)/.exec(message.header("via") || "") || [])[1] + " " +
                       (message.header("cseq") || "").split(/\s+/)[1];
        const pending = this.pending.get(branch);
        if (!pending) return;
        if (message.status < 200) return pending.onProvisional(message);
        clearTimeout(pending.timer);
        this.pending.delete(branch);
        pending.resolve(message);
      } else {
        this.onRequest(message);
      }
    }

    via() { return `Via: SIP/2.0/WSS ${this.host};branch=z9hG4bK${token(12)}`; }

    /** A request line and the headers every request carries; `extra` and `body` are appended. */
    build(method, uri, { from, to, callID, cseq, extra = [], body = "", contentType = "application/sdp" }) {
      const lines = [`${method} ${uri} SIP/2.0`, this.via(), "Max-Forwards: 70", `To: ${to}`, `From: ${from}`,
                     `Call-ID: ${callID}`, `CSeq: ${cseq} ${method}`, ...extra, "User-Agent: Tandem web phone"];
      if (body) lines.push(`Content-Type: ${contentType}`);
      lines.push(`Content-Length: ${new TextEncoder().encode(body).length}`);
      return lines.join("\r\n") + "\r\n\r\n" + body;
    }

    /** REGISTER (digest on challenge), refreshed at 80 % of what the registrar granted. */
    async register(expires) {
      const uri = `sip:${this.domain}`;
      const aor = `<sip:${this.user}@${this.domain}>`;
      const make = auth => this.build("REGISTER", uri, {
        from: `${aor};tag=${token(8)}`, to: aor, callID: this.registerCallID, cseq: ++this.registerCSeq,
        extra: [`Contact: ${this.contact};+sip.ice;reg-id=1;+sip.instance="<urn:uuid:${this.instance}>";expires=${expires}`,
                `Expires: ${expires}`, "Allow: INVITE,ACK,CANCEL,BYE,UPDATE,INFO,OPTIONS,NOTIFY", "Supported: path,outbound",
                ...(auth ? [auth] : [])],
      });
      let response = await this.request(make());
      if (response.status === 401 || response.status === 407) {
        const challenge = response.header(response.status === 401 ? "www-authenticate" : "proxy-authenticate");
        const name = response.status === 401 ? "Authorization" : "Proxy-Authorization";
        response = await this.request(make(`${name}: ${authorize(challenge, "REGISTER", uri, this.user, this.password)}`));
      }
      if (response.status >= 200 && response.status < 300 && expires > 0) {
        const granted = parseInt((/expires=(\d+)/i.exec(response.header("contact") || "") || [])[1] || response.header("expires") || expires, 10);
        clearTimeout(this.refreshTimer);
        this.refreshTimer = setTimeout(() => this.register(expires), granted * 800);
      }
      return response;
    }

    /** A response to an incoming request, with our To tag when it has none. */
    respond(request, status, reason, { toTag, extra = [], body = "" } = {}) {
      let to = request.header("to");
      if (toTag && !tag(to)) to += `;tag=${toTag}`;
      const lines = [`SIP/2.0 ${status} ${reason}`, ...(request.headers.via || []).map(v => `Via: ${v}`),
                     ...(request.headers["record-route"] || []).map(v => `Record-Route: ${v}`),
                     `From: ${request.header("from")}`, `To: ${to}`, `Call-ID: ${request.header("call-id")}`,
                     `CSeq: ${request.header("cseq")}`, ...extra];
      if (body) lines.push("Content-Type: application/sdp");
      lines.push(`Content-Length: ${new TextEncoder().encode(body).length}`);
      this.send(lines.join("\r\n") + "\r\n\r\n" + body);
    }
  }

  return { UserAgent, parse, tag, uriOf, token, authorize };
})();
