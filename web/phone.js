// Tandem's web phone: registration, calls both ways, DTMF keypad, mute, hold, and a live quality panel,
// over SIP/WebSocket (sip.js) with WebRTC media. `window.tandemPhone` exposes the same actions (and a
// measure of what the remote audio sounds like) for tests and the curious.
"use strict";

const $ = id => document.getElementById(id);

const phone = {
  ua: null,
  call: null,         // the one call: { dialog, pc, direction, state, ... }
  audio: null,        // AudioContext for ring tone and the remote-audio analyser

  // ---- page state -------------------------------------------------------------------------------

  status(text, ok) {
    $("status").textContent = text;
    $("status").className = ok === true ? "ok" : ok === false ? "bad" : "";
  },

  error(text) {
    $("error").textContent = text || "";
    $("error").hidden = !text;
  },

  show(state) {
    document.body.dataset.state = state;
    $("call-state").textContent = {
      idle: "", calling: "Calling…", ringing: "Ringing…", early: "Ringing (early media)…", incoming: "Incoming call",
      active: "In call", held: "On hold",
    }[state] || state;
  },

  // ---- registration -----------------------------------------------------------------------------

  register() {
    this.error("");
    const user = $("user").value.trim(), password = $("password").value;
    if (!user) return this.error("Enter a user name.");
    if (this.ua) this.ua.stop();
    const url = $("server").value.trim();
    this.ua = new SIP.UserAgent({
      url, user, password, domain: location.hostname || "tandem",
      onRequest: m => this.incoming(m),
      onState: (text, ok) => this.status(text, ok),
    });
    this.ua.start();
    localStorage.setItem("tandem-user", user);
  },

  // ---- media ------------------------------------------------------------------------------------

  async microphone() {
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    } catch (e) {
      throw new Error(e.name === "NotAllowedError" ? "The microphone was refused: allow it for this page to call."
                                                   : `No microphone: ${e.message}`);
    }
  },

  /** The gateway's STUN/TURN servers for this user (TURN credentials of its own); none if it names none. */
  async iceServers() {
    try {
      const r = await fetch("/ice-servers", { headers: { Authorization: "Basic " + btoa(`${this.ua.user}:${this.ua.password}`) } });
      return r.ok ? (await r.json()).iceServers : [];
    } catch (e) {
      return [];
    }
  },

  async peer(stream) {
    const pc = new RTCPeerConnection({ iceServers: await this.iceServers() });
    stream.getTracks().forEach(t => pc.addTrack(t, stream));
    pc.ontrack = e => {
      $("remote").srcObject = e.streams[0] || new MediaStream([e.track]);
      this.listen($("remote").srcObject);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "failed" && this.call && this.call.pc === pc) {
        this.error("Media connection failed.");
        this.hangup();
      }
    };
    return pc;
  },

  /** The local SDP once ICE gathering is done (Tandem is ICE-lite and does not trickle). */
  async gathered(pc) {
    if (pc.iceGatheringState !== "complete") {
      await new Promise(resolve => {
        const done = () => { if (pc.iceGatheringState === "complete") resolve(); };
        pc.addEventListener("icegatheringstatechange", done);
        setTimeout(resolve, 2000);
      });
    }
    return pc.localDescription.sdp;
  },

  /** An analyser on the remote audio, for the level meter and `remoteTone()`. */
  listen(stream) {
    this.audio = this.audio || new AudioContext();
    const source = this.audio.createMediaStreamSource(stream);
    this.analyser = this.audio.createAnalyser();
    this.analyser.fftSize = 8192;
    source.connect(this.analyser);
  },

  /** Dominant frequency (Hz) and level (dBFS) of what the far end sends, from the analyser. */
  remoteTone() {
    if (!this.analyser) return { frequency: 0, dbfs: -200 };
    const spectrum = new Float32Array(this.analyser.frequencyBinCount);
    this.analyser.getFloatFrequencyData(spectrum);
    let peak = 1;
    for (let i = 2; i < spectrum.length; i++) if (spectrum[i] > spectrum[peak]) peak = i;
    const samples = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(samples);
    const rms = Math.sqrt(samples.reduce((s, x) => s + x * x, 0) / samples.length);
    return { frequency: peak * this.audio.sampleRate / this.analyser.fftSize, dbfs: 20 * Math.log10(Math.max(rms, 1e-9)) };
  },

  ring(on) {
    clearInterval(this.ringTimer);
    if (!on) return;
    this.audio = this.audio || new AudioContext();
    const beep = () => {
      const osc = this.audio.createOscillator(), gain = this.audio.createGain();
      osc.frequency.value = 440; gain.gain.value = 0.1;
      osc.connect(gain).connect(this.audio.destination);
      osc.start(); osc.stop(this.audio.currentTime + 0.8);
    };
    beep();
    this.ringTimer = setInterval(beep, 3000);
  },

  // ---- outgoing calls ---------------------------------------------------------------------------

  async dial(target) {
    this.error("");
    target = (target || $("dial").value).trim();
    if (!target) return this.error("Enter a number or user to call.");
    if (!this.ua || !this.ua.registered) return this.error("Not registered: register first.");
    if (this.call) return this.error("Already in a call.");
    let stream;
    try { stream = await this.microphone(); } catch (e) { return this.error(e.message); }
    const pc = await this.peer(stream);
    await pc.setLocalDescription(await pc.createOffer());
    const sdp = await this.gathered(pc);
    const uri = target.startsWith("sip:") ? target : `sip:${target}@${this.ua.domain}`;
    const call = this.call = { pc, stream, uri, callID: SIP.token(20), localTag: SIP.token(10), cseq: 1, outgoing: true,
                               local: `<sip:${this.ua.user}@${this.ua.domain}>`, remote: `<${uri}>`, applied: false };
    this.show("calling");
    const invite = auth => this.ua.build("INVITE", uri, {
      from: `${call.local};tag=${call.localTag}`, to: call.remote, callID: call.callID, cseq: call.cseq, body: sdp,
      extra: [`Contact: ${this.ua.contact}`, "Allow: INVITE,ACK,CANCEL,BYE,UPDATE,INFO,OPTIONS,NOTIFY", "Supported: outbound",
              ...(auth ? [auth] : [])],
    });
    const provisional = async m => {
      if (call !== this.call) return;
      if (m.status === 180 || m.status === 183) this.show(m.body ? "early" : "ringing");
      if (m.body && !call.applied) {
        call.applied = true;
        await pc.setRemoteDescription({ type: "answer", sdp: m.body });
      }
    };
    call.inviteText = invite();
    let response = await this.ua.request(call.inviteText, provisional);
    if (response.status === 401 || response.status === 407) {
      this.ack(call, response);
      const challenge = response.header(response.status === 401 ? "www-authenticate" : "proxy-authenticate");
      const name = response.status === 401 ? "Authorization" : "Proxy-Authorization";
      call.cseq += 1;
      call.inviteText = invite(`${name}: ${SIP.authorize(challenge, "INVITE", uri, this.ua.user, this.ua.password)}`);
      response = await this.ua.request(call.inviteText, provisional);
    }
    if (call !== this.call) return;
    if (response.status >= 300 || response.status < 200) {
      this.ack(call, response);
      const why = response.status === 487 ? "Call cancelled." : `Call rejected: ${response.status} ${response.reason}`;
      this.end(response.status === 487 ? "" : why);
      return;
    }
    call.remote = response.header("to");
    call.target = SIP.uriOf(response.header("contact")) || uri;
    call.routes = (response.headers["record-route"] || []).slice().reverse();
    this.ack(call, response);
    if (!call.applied) await pc.setRemoteDescription({ type: "answer", sdp: response.body });
    call.applied = true;
    this.answered();
  },

  /** ACK: for a 2xx a request of its own in the dialog, for a failure the same branch as the INVITE. */
  ack(call, response) {
    const failure = response.status >= 300;
    const uri = failure ? call.uri : call.target;
    let text = this.ua.build("ACK", uri, {
      from: `${call.local};tag=${call.localTag}`, to: response.header("to"), callID: call.callID, cseq: call.cseq,
      extra: failure ? [] : (call.routes || []).map(r => `Route: ${r}`),
    });
    if (failure) text = text.replace(/^Via: .*$/m, (/^Via: .*$/m.exec(call.inviteText) || [""])[0]);
    try { this.ua.send(text); } catch (e) { /* the socket went away; nothing to acknowledge on */ }
  },

  // ---- incoming calls ---------------------------------------------------------------------------

  incoming(m) {
    const call = this.call;
    const inDialog = call && m.header("call-id") === call.callID;
    if (m.method === "INVITE" && !SIP.tag(m.header("to"))) {
      if (call) return this.ua.respond(m, 486, "Busy Here", { toTag: SIP.token(8) });
      const localTag = SIP.token(10);
      this.call = { incoming: m, callID: m.header("call-id"), localTag, local: m.header("to"), remote: m.header("from"),
                    target: SIP.uriOf(m.header("contact")), routes: m.headers["record-route"] || [], cseq: 1 };
      this.ua.respond(m, 180, "Ringing", { toTag: localTag, extra: [`Contact: ${this.ua.contact}`] });
      $("caller").textContent = SIP.uriOf(m.header("from")).replace(/^sip:/, "");
      this.show("incoming");
      this.ring(true);
      return;
    }
    if (m.method === "CANCEL" && inDialog && call.incoming) {
      this.ua.respond(m, 200, "OK", { toTag: call.localTag });
      this.ua.respond(call.incoming, 487, "Request Terminated", { toTag: call.localTag });
      return this.end("The caller hung up.");
    }
    if (m.method === "ACK") return;
    if (!inDialog) {
      if (m.method === "OPTIONS") return this.ua.respond(m, 200, "OK", { toTag: SIP.token(8) });
      return this.ua.respond(m, 481, "Call/Transaction Does Not Exist", { toTag: SIP.token(8) });
    }
    if (m.method === "BYE") {
      this.ua.respond(m, 200, "OK");
      return this.end("The other side hung up.");
    }
    if (m.method === "INVITE" || m.method === "UPDATE") return this.reoffered(m);
    this.ua.respond(m, 200, "OK");   // INFO, OPTIONS, NOTIFY
  },

  async answer() {
    const call = this.call;
    if (!call || !call.incoming) return;
    this.ring(false);
    let stream;
    try { stream = await this.microphone(); } catch (e) { this.ua.respond(call.incoming, 480, "Microphone Unavailable", { toTag: call.localTag }); return this.end(e.message); }
    const pc = await this.peer(stream);
    Object.assign(call, { pc, stream });
    await pc.setRemoteDescription({ type: "offer", sdp: call.incoming.body });
    await pc.setLocalDescription(await pc.createAnswer());
    const sdp = await this.gathered(pc);
    this.ua.respond(call.incoming, 200, "OK", { toTag: call.localTag, body: sdp,
      extra: [`Contact: ${this.ua.contact}`, "Allow: INVITE,ACK,CANCEL,BYE,UPDATE,INFO,OPTIONS,NOTIFY"] });
    call.incoming = null;
    this.answered();
  },

  reject() {
    const call = this.call;
    if (!call || !call.incoming) return;
    this.ua.respond(call.incoming, 486, "Busy Here", { toTag: call.localTag });
    this.end("");
  },

  /** A re-INVITE or UPDATE: a session refresh, or a new offer (the far end holds or resumes). */
  async reoffered(m) {
    const call = this.call;
    if (!m.body) return this.ua.respond(m, 200, "OK", { extra: [`Contact: ${this.ua.contact}`] });
    await call.pc.setRemoteDescription({ type: "offer", sdp: m.body });
    await call.pc.setLocalDescription(await call.pc.createAnswer());
    this.ua.respond(m, 200, "OK", { body: call.pc.localDescription.sdp, extra: [`Contact: ${this.ua.contact}`] });
    this.show(/a=(sendonly|inactive)/.test(m.body) ? "held" : "active");
  },

  // ---- during a call ----------------------------------------------------------------------------

  answered() {
    this.show("active");
    this.call.started = Date.now();
    this.timer = setInterval(() => this.tick(), 1000);
    this.tick();
  },

  /** A request in the call's dialog (§12.2.1.1). */
  inDialog(method, { body = "", extra = [] } = {}) {
    const call = this.call;
    call.cseq += 1;
    return this.ua.build(method, call.target, {
      from: `${call.local};tag=${call.localTag}`, to: call.remote, callID: call.callID, cseq: call.cseq, body,
      extra: [...(call.routes || []).map(r => `Route: ${r}`), ...extra],
    });
  },

  hangup() {
    const call = this.call;
    if (!call) return;
    if (call.incoming) return this.reject();
    if (!call.started && call.outgoing) {
      // Still ringing: CANCEL with the INVITE's branch and CSeq number (§9.1).
      const via = /^Via: .*$/m.exec(call.inviteText)[0];
      const cancel = this.ua.build("CANCEL", call.uri, { from: `${call.local};tag=${call.localTag}`, to: call.remote,
                                                       callID: call.callID, cseq: call.cseq }).replace(/^Via: .*$/m, via);
      try { this.ua.send(cancel); } catch (e) { /* the INVITE's own timeout ends the call */ }
      return;
    }
    try { this.ua.request(this.inDialog("BYE")); } catch (e) { /* ending anyway */ }
    this.end("");
  },

  async hold() {
    const call = this.call;
    if (!call || !call.started) return;
    const holding = document.body.dataset.state !== "held";
    call.pc.getTransceivers().forEach(t => { t.direction = holding ? "sendonly" : "sendrecv"; });
    await call.pc.setLocalDescription(await call.pc.createOffer());
    const text = this.inDialog("INVITE", { body: call.pc.localDescription.sdp, extra: [`Contact: ${this.ua.contact}`] });
    const response = await this.ua.request(text);
    if (response.status >= 200 && response.status < 300) {
      this.ack(call, response);
      await call.pc.setRemoteDescription({ type: "answer", sdp: response.body });
      this.show(holding ? "held" : "active");
    } else {
      this.error(`Hold refused: ${response.status} ${response.reason}`);
      await call.pc.setLocalDescription({ type: "rollback" }).catch(() => {});
    }
  },

  mute() {
    const call = this.call;
    if (!call || !call.stream) return;
    const track = call.stream.getAudioTracks()[0];
    track.enabled = !track.enabled;
    $("mute").textContent = track.enabled ? "Mute" : "Unmute";
  },

  dtmf(digit) {
    const call = this.call;
    const sender = call && call.pc && call.pc.getSenders().find(s => s.dtmf);
    if (sender && call.started) sender.dtmf.insertDTMF(digit, 120, 80);
  },

  end(message) {
    const call = this.call;
    this.ring(false);
    clearInterval(this.timer);
    if (call && call.pc) call.pc.close();
    if (call && call.stream) call.stream.getTracks().forEach(t => t.stop());
    this.call = null;
    this.analyser = null;
    $("timer").textContent = "";
    $("mute").textContent = "Mute";
    this.show("idle");
    this.error(message);
  },

  /** Call timer and the quality panel, from getStats and the analyser. */
  async tick() {
    const call = this.call;
    if (!call || !call.started) return;
    const seconds = Math.floor((Date.now() - call.started) / 1000);
    $("timer").textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
    const stats = await call.pc.getStats();
    const rows = {};
    stats.forEach(s => {
      if (s.type === "inbound-rtp" && s.kind === "audio") {
        rows.received = s.packetsReceived; rows.lost = s.packetsLost; rows.jitter = `${Math.round((s.jitter || 0) * 1000)} ms`;
        const codec = stats.get(s.codecId);
        if (codec) rows.codec = `${codec.mimeType.replace("audio/", "")}/${codec.clockRate}`;
      }
      if (s.type === "outbound-rtp" && s.kind === "audio") rows.sent = s.packetsSent;
      if (s.type === "candidate-pair" && s.nominated && s.currentRoundTripTime !== undefined) rows.rtt = `${Math.round(s.currentRoundTripTime * 1000)} ms`;
    });
    rows.level = `${Math.round(this.remoteTone().dbfs)} dBFS`;
    $("quality").innerHTML = ["codec", "sent", "received", "lost", "jitter", "rtt", "level"]
      .map(k => `<dt>${k}</dt><dd>${rows[k] === undefined ? "–" : rows[k]}</dd>`).join("");
  },
};

// ---- wiring -------------------------------------------------------------------------------------

window.addEventListener("DOMContentLoaded", () => {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  $("server").value = `${scheme}://${location.host || "127.0.0.1:8088"}/ws`;
  $("user").value = localStorage.getItem("tandem-user") || "";
  $("register").onclick = () => phone.register();
  $("call").onclick = () => phone.dial();
  $("hangup").onclick = () => phone.hangup();
  $("answer").onclick = () => phone.answer();
  $("reject").onclick = () => phone.reject();
  $("hold").onclick = () => phone.hold();
  $("mute").onclick = () => phone.mute();
  document.querySelectorAll("#keypad button").forEach(b => { b.onclick = () => phone.dtmf(b.textContent); });
  phone.show("idle");
  fetch("/health").then(r => r.json()).then(h => {
    $("about").textContent = `Tandem ${h.version || ""} — ${h.status === "ok" ? "healthy" : h.status}`;
  }).catch(() => { $("about").textContent = "Tandem — health unknown"; });
});

window.tandemPhone = phone;
