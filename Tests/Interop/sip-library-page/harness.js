"use strict";
// One call at a time on a real browser SIP library, behind one small interface (window.t) so that a
// test reads the same for JsSIP 3.10 and SIP.js 0.20. Everything here is what an application on the
// library writes: register, call or answer, RTCDTMFSender digits, hold by re-INVITE, hang up. The
// remote audio goes to an <audio> element (Chrome feeds WebAudio a remote track only then) and to an
// analyser for the tone the far end sends, and to a Goertzel detector for the DTMF digits it plays.

const params = new URLSearchParams(location.search);
const lib = params.get("lib") || "jssip";
const domain = params.get("domain") || "tandem";

const t = {
  lib,
  state: "idle",      // idle, calling, ringing, incoming, active, ended
  caller: "",
  endCause: "",
  status: 0,          // the final SIP status of a call that failed
  heardDigits: "",    // digits detected in the remote audio
  infoDigits: "",     // digits received by SIP INFO
  session: null,
  ua: null,
};
window.t = t;

let audio = null;
let analyser = null;

function end(cause, status) {
  if (t.state === "ended") return;
  t.state = "ended";
  t.endCause = String(cause || "");
  t.status = status || 0;
  t.session = null;
}

/** Remote audio to the page's <audio>, the analyser and the digit detector. */
function attachRemote(pc) {
  const tracks = pc.getReceivers().map(r => r.track).filter(Boolean);
  const stream = new MediaStream(tracks);
  document.getElementById("remote").srcObject = stream;
  audio = audio || new AudioContext();
  audio.resume();
  const source = audio.createMediaStreamSource(stream);
  analyser = audio.createAnalyser();
  analyser.fftSize = 8192;
  source.connect(analyser);
  detectDigits(source, audio);
}

const lowTones = [697, 770, 852, 941];
const highTones = [1209, 1336, 1477, 1633];
const keypad = ["123A", "456B", "789C", "*0#D"];

function goertzel(samples, frequency, rate) {
  const k = 2 * Math.cos(2 * Math.PI * frequency / rate);
  let s1 = 0, s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] + k * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}

/** The digit a window of samples holds: one low and one high DTMF tone each carrying a good share of
 *  the energy (a pure pair gives 0.5 each), or null. */
function digitIn(samples, rate) {
  let energy = 0;
  for (let i = 0; i < samples.length; i++) energy += samples[i] * samples[i];
  if (energy / samples.length < 1e-5) return null;   // quieter than about -50 dBFS
  const share = f => 2 * goertzel(samples, f, rate) / (samples.length * energy);
  const best = tones => tones.map((f, i) => [share(f), i]).sort((a, b) => b[0] - a[0])[0];
  const [low, row] = best(lowTones), [high, column] = best(highTones);
  return low > 0.2 && high > 0.2 ? keypad[row][column] : null;
}

/** Every 768-sample window (16 ms at 48 kHz), sliding by 256, in audio time (a script processor
 *  sees every sample once, in order): a digit counts once two windows in a row hold it (a 40 ms
 *  tone, the shortest a detector must take, fills five), and again only after four windows without
 *  it (the shortest gap between digits is 40 ms). */
function detectDigits(source, context) {
  const hop = 256;
  const processor = context.createScriptProcessor(hop, 1, 1);
  const frame = new Float32Array(3 * hop);
  let current = null, candidate = null, seen = 0, silent = 0;
  processor.onaudioprocess = e => {
    frame.copyWithin(0, hop);
    frame.set(e.inputBuffer.getChannelData(0), 2 * hop);
    const digit = digitIn(frame, context.sampleRate);
    if (digit && digit === candidate) seen += 1; else { candidate = digit; seen = digit ? 1 : 0; }
    if (digit === null) silent += 1; else silent = 0;
    if (digit && seen >= 2 && current !== digit) { current = digit; t.heardDigits += digit; }
    if (silent >= 4) current = null;
  };
  const mute = context.createGain();
  mute.gain.value = 0;
  source.connect(processor);
  processor.connect(mute);
  mute.connect(context.destination);
}

/** The dominant frequency (Hz) and level (dBFS) of the remote audio now. */
t.tone = () => {
  if (!analyser) return { frequency: 0, dbfs: -200 };
  const spectrum = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(spectrum);
  let peak = 0;
  for (let i = 1; i < spectrum.length; i++) if (spectrum[i] > spectrum[peak]) peak = i;
  const samples = new Float32Array(analyser.fftSize);
  analyser.getFloatTimeDomainData(samples);
  const rms = Math.sqrt(samples.reduce((s, v) => s + v * v, 0) / samples.length);
  return { frequency: peak * audio.sampleRate / analyser.fftSize, dbfs: 20 * Math.log10(Math.max(rms, 1e-9)) };
};

/** The direction the far end answered in our last offer or answer (hold shows as recvonly or inactive). */
t.remoteDirection = () => {
  const pc = t.lib === "jssip" ? t.session?.connection : t.session?.sessionDescriptionHandler?.peerConnection;
  const sdp = pc?.currentRemoteDescription?.sdp || "";
  return (sdp.match(/a=(sendrecv|sendonly|recvonly|inactive)/) || [, "sendrecv"])[1];
};

t.remoteUfrag = () => {
  const pc = t.lib === "jssip" ? t.session?.connection : t.session?.sessionDescriptionHandler?.peerConnection;
  return ((pc?.currentRemoteDescription?.sdp || "").match(/a=ice-ufrag:(\S+)/) || [])[1];
};

function infoDigit(body) {
  const match = /Signal\s*=\s*([0-9A-D*#])/i.exec(body || "");
  if (match) t.infoDigits += match[1].toUpperCase();
}

const audioOnly = { audio: true, video: false };

const jssip = {
  register(ws, user, password) {
    return new Promise(resolve => {
      const ua = new JsSIP.UA({ sockets: [new JsSIP.WebSocketInterface(ws)], uri: `sip:${user}@${domain}`, password });
      t.ua = ua;
      ua.on("registered", () => resolve({ ok: true }));
      ua.on("registrationFailed", e => resolve({ ok: false, cause: e.cause, status: e.response?.status_code || 0 }));
      ua.on("newRTCSession", e => {
        if (e.originator !== "remote" || t.session) return;
        jssip.wire(e.session);
        t.caller = e.request.from.uri.user;
        t.state = "incoming";
      });
      ua.start();
    });
  },
  wire(session) {
    t.session = session;
    t.state = session.direction === "outgoing" ? "calling" : "incoming";
    session.on("progress", () => { if (t.state === "calling") t.state = "ringing"; });
    session.on("confirmed", () => { t.state = "active"; attachRemote(session.connection); });
    session.on("ended", e => end(e.cause));
    session.on("failed", e => end(e.cause, e.message?.status_code));
    session.on("newInfo", e => { if (e.originator === "remote") infoDigit(e.info.body); });
    session.on("newDTMF", e => { if (e.originator === "remote") t.infoDigits += e.dtmf.tone; });
  },
  call(target) {
    jssip.wire(t.ua.call(`sip:${target}@${domain}`, { mediaConstraints: audioOnly, pcConfig: { iceServers: [] } }));
  },
  answer() { t.session.answer({ mediaConstraints: audioOnly, pcConfig: { iceServers: [] } }); },
  dtmf(digits) { t.session.sendDTMF(digits, { transportType: "RFC2833", duration: 100, interToneGap: 70 }); },
  reinvite(hold) {
    return new Promise(resolve => {
      const done = () => resolve({ ok: true, direction: t.remoteDirection() });
      const sent = hold ? t.session.hold({}, done) : t.session.unhold({}, done);
      if (!sent) resolve({ ok: false });
    });
  },
  restartIce() {
    return new Promise(resolve => {
      const sent = t.session.renegotiate({ rtcOfferConstraints: { iceRestart: true } }, () => resolve({ ok: true }));
      if (!sent) resolve({ ok: false });
    });
  },
  hangup() { t.session.terminate(); },
};

const sipjs = {
  async register(ws, user, password) {
    const ua = new SIP.UserAgent({
      uri: SIP.UserAgent.makeURI(`sip:${user}@${domain}`),
      transportOptions: { server: ws },
      authorizationUsername: user,
      authorizationPassword: password,
      logLevel: "warn",
      sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] } },
      delegate: {
        onInvite(invitation) {
          if (t.session) return invitation.reject({ statusCode: 486 });
          sipjs.wire(invitation);
          t.caller = invitation.remoteIdentity.uri.user;
          t.state = "incoming";
        },
      },
    });
    t.ua = ua;
    await ua.start();
    const registerer = new SIP.Registerer(ua);
    return new Promise(resolve => {
      registerer.stateChange.addListener(state => { if (state === SIP.RegistererState.Registered) resolve({ ok: true }); });
      registerer.register({ requestDelegate: { onReject: r => resolve({ ok: false, status: r.message.statusCode }) } });
    });
  },
  wire(session) {
    t.session = session;
    session.stateChange.addListener(state => {
      if (state === SIP.SessionState.Established) {
        t.state = "active";
        attachRemote(session.sessionDescriptionHandler.peerConnection);
      } else if (state === SIP.SessionState.Terminated) {
        end(t.status ? "Rejected" : "Terminated", t.status);
      }
    });
    session.delegate = { onInfo(info) { infoDigit(info.request.body); info.accept(); } };
  },
  call(target) {
    const inviter = new SIP.Inviter(t.ua, SIP.UserAgent.makeURI(`sip:${target}@${domain}`),
                                    { sessionDescriptionHandlerOptions: { constraints: audioOnly } });
    sipjs.wire(inviter);
    t.state = "calling";
    inviter.invite({ requestDelegate: {
      onProgress: () => { if (t.state === "calling") t.state = "ringing"; },
      onReject: r => { t.status = r.message.statusCode; },
    } });
  },
  answer() { t.session.accept({ sessionDescriptionHandlerOptions: { constraints: audioOnly } }); },
  dtmf(digits) { t.session.sessionDescriptionHandler.sendDtmf(digits, { duration: 100, interToneGap: 70 }); },
  reinvite(hold) {
    return new Promise(resolve => {
      t.session.sessionDescriptionHandlerOptionsReInvite = { hold };
      t.session.invite({ requestDelegate: {
        onAccept: () => resolve({ ok: true, direction: t.remoteDirection() }),
        onReject: r => resolve({ ok: false, status: r.message.statusCode }),
      } });
    });
  },
  restartIce() {
    return new Promise(resolve => {
      t.session.sessionDescriptionHandlerOptionsReInvite = { hold: false, offerOptions: { iceRestart: true } };
      t.session.invite({ requestDelegate: {
        onAccept: () => resolve({ ok: true }),
        onReject: r => resolve({ ok: false, status: r.message.statusCode }),
      } });
    });
  },
  hangup() {
    const s = t.session;
    if (s.state === SIP.SessionState.Established) s.bye();
    else if (s instanceof SIP.Inviter) s.cancel();
    else s.reject();
  },
};

const impl = lib === "sipjs" ? sipjs : jssip;
t.register = (ws, user, password) => impl.register(ws, user, password);
t.call = target => impl.call(target);
t.answer = () => impl.answer();
t.dtmf = digits => impl.dtmf(digits);
t.hold = () => impl.reinvite(true);
t.unhold = () => impl.reinvite(false);
t.hangup = () => impl.hangup();
/** ICE restart by re-INVITE (new ufrag and password): whether it was answered, and the far end's
 *  ICE user name fragment before and after. */
t.restartIce = async () => {
  const before = t.remoteUfrag(), result = await impl.restartIce();
  return { ...result, before, after: t.remoteUfrag() };
};
t.ready = typeof (lib === "sipjs" ? window.SIP : window.JsSIP) !== "undefined";
