import RTP

/// Call-wide choices that are not one leg's: whether to transcode when the codecs match, and the
/// clock that makes SR NTP timestamps look like wall time.
public struct MediaBridgeOptions: Sendable, Hashable {
    public enum Transcoding: Sendable, Hashable {
        /// Pass through when both legs send the same codec at a compatible packet time.
        case auto
        /// Always decode and re-encode.
        case always
    }

    public var transcoding: Transcoding
    /// NTP seconds (since 1900) at monotonic time zero; 0 leaves SR NTP times relative.
    public var ntpEpochSeconds: UInt64
    /// Mean RTCP report interval per leg, in nanoseconds.
    public var rtcpInterval: UInt64

    public init(transcoding: Transcoding = .auto, ntpEpochSeconds: UInt64 = 0, rtcpInterval: UInt64 = 5_000_000_000) {
        self.transcoding = transcoding
        self.ntpEpochSeconds = ntpEpochSeconds
        self.rtcpInterval = rtcpInterval
    }
}

/// The media of one call: two legs (or one leg and a media app) joined on one event loop. Sans-IO:
/// the owner feeds it plain RTP and RTCP (already SRTP-unprotected) with the monotonic time, ticks
/// it every 10–20 ms, and gets packets to send (plain, in a buffer with 200 spare bytes for the
/// SRTP tag) and events through its two closures. Packets pass through with rewritten headers
/// when both legs share the codec, and are transcoded otherwise; each leg's outgoing stream keeps
/// its own SSRC, sequence and timestamps for the whole call. Nothing on the packet path allocates
/// or locks. Not thread-safe by design: confine it to the call's event loop, and do not call back
/// into the bridge from `send` or `events`.
public final class MediaBridge {
    /// `send(leg, kind, buffer, length)`: send `length` bytes of `buffer` to `leg`. The buffer is
    /// the bridge's and is reused after the call returns; SRTP may protect in place (the buffer's
    /// `count` includes the spare room).
    public typealias Send = (LegSide, MediaPacketKind, UnsafeMutableRawBufferPointer, Int) -> Void

    private let legA: MediaLeg
    private var legB: MediaLeg?
    private var app: AppKind
    private let events: (MediaEvent) -> Void
    private let options: MediaBridgeOptions
    /// The rate audio is decoded to and encoded from: 8 kHz when a G.711 leg is present, 16 kHz
    /// with G.722, 48 kHz for Opus alone.
    public private(set) var pcmRate: Int
    private var passThroughIntoA = false
    private var passThroughIntoB = false
    private let scratch: UnsafeMutablePointer<Int16>
    private let generatedFrame: UnsafeMutablePointer<Int16>
    private static let scratchCapacity = 5_760 * 2

    private enum AppKind {
        case none, echo, source
    }

    /// Two peers: typically `a` the browser (Opus, SRTP) and `b` the SIP side (G.711).
    public init(a: MediaLegConfig, b: MediaLegConfig, options: MediaBridgeOptions = MediaBridgeOptions(),
                send: @escaping Send, events: @escaping (MediaEvent) -> Void) throws(MediaError) {
        self.options = options
        self.events = events
        app = .none
        let rate = Self.pcmRate(for: [a.codec, b.codec])
        pcmRate = rate
        legA = try MediaLeg(side: .a, config: a, pcmRate: rate, sourceClock: b.codec.rtpClockRate, ntpEpochSeconds: options.ntpEpochSeconds, send: send)
        legB = try MediaLeg(side: .b, config: b, pcmRate: rate, sourceClock: a.codec.rtpClockRate, ntpEpochSeconds: options.ntpEpochSeconds, send: send)
        scratch = .allocate(capacity: Self.scratchCapacity)
        generatedFrame = .allocate(capacity: MediaLeg.maximumFrameSamples)
        setUpLegs()
    }

    /// One leg and a media app: `echo` returns the caller's audio through the full codec path;
    /// `source` plays a tone or a file to it. The leg is side `a`.
    public init(leg: MediaLegConfig, app: MediaApp, options: MediaBridgeOptions = MediaBridgeOptions(),
                send: @escaping Send, events: @escaping (MediaEvent) -> Void) throws(MediaError) {
        self.options = options
        self.events = events
        let rate = Self.pcmRate(for: [leg.codec])
        pcmRate = rate
        legA = try MediaLeg(side: .a, config: leg, pcmRate: rate, sourceClock: leg.codec.rtpClockRate, ntpEpochSeconds: options.ntpEpochSeconds, send: send)
        legB = nil
        scratch = .allocate(capacity: Self.scratchCapacity)
        generatedFrame = .allocate(capacity: MediaLeg.maximumFrameSamples)
        switch app {
        case .echo:
            self.app = .echo
        case .source(let source):
            self.app = .source
            source.prepare(sampleRate: rate)
            legA.source = source
            legA.updateGenerating(now: nil)
        }
        setUpLegs()
    }

    /// Connects side b to a bridge that was playing an app to side a (ringback while the callee
    /// rings): the app stops and both legs are bridged. Side a's outgoing stream goes on with the
    /// same SSRC, sequence and timestamps, so the caller's session never sees a new stream.
    /// With `freshStream`, a side b already bridged is replaced, not reconfigured: another far end (a
    /// transfer target, the other target of a parallel bridge) gets a stream of its own, with the SSRC
    /// its SDP was given, not the continuation of someone else's.
    public func connect(b config: MediaLegConfig, send: @escaping Send, freshStream: Bool = false) throws(MediaError) {
        if freshStream { legB = nil }
        guard legB == nil else { return try reconfigure(leg: .b, config: config) }
        let rate = Self.pcmRate(for: [legA.config.codec, config.codec])
        let leg = try MediaLeg(side: .b, config: config, pcmRate: rate, sourceClock: legA.config.codec.rtpClockRate,
                               ntpEpochSeconds: options.ntpEpochSeconds, send: send)
        leg.rtcp.interval = options.rtcpInterval
        legA.source = nil
        legA.updateGenerating(now: nil)
        app = .none
        legB = leg
        try reconfigure(leg: .a, config: legA.config)
    }

    /// Whether side b is connected (a two-leg bridge rather than an app).
    public var isBridging: Bool { legB != nil }

    deinit {
        scratch.deallocate()
        generatedFrame.deallocate()
    }

    private func setUpLegs() {
        for leg in [legA, legB].compactMap({ $0 }) {
            leg.rtcp.interval = options.rtcpInterval
        }
        planPassThrough()
    }

    static func pcmRate(for codecs: [AudioCodec]) -> Int {
        if codecs.contains(.pcmu) || codecs.contains(.pcma) { return 8_000 }
        if codecs.contains(.g722) { return 16_000 }
        return 48_000
    }

    private func planPassThrough() {
        guard let legB, options.transcoding == .auto else {
            passThroughIntoA = false
            passThroughIntoB = false
            return
        }
        passThroughIntoB = Self.canPassThrough(from: legA.config, to: legB.config)
        passThroughIntoA = Self.canPassThrough(from: legB.config, to: legA.config)
    }

    /// Same codec, and (for the sample codecs) the packet time the receiver asked for.
    private static func canPassThrough(from: MediaLegConfig, to: MediaLegConfig) -> Bool {
        guard from.codec == to.codec else { return false }
        return from.codec == .opus || from.effectivePtime == to.effectivePtime
    }

    /// Whether packets toward `leg` currently pass through without transcoding.
    public func isPassThrough(into leg: LegSide) -> Bool {
        leg == .a ? passThroughIntoA : passThroughIntoB
    }

    private func leg(_ side: LegSide) -> MediaLeg? { side == .a ? legA : legB }

    /// Where audio and digits from `leg` go: the other leg, the same leg for echo, nowhere for a source app.
    private func target(of leg: MediaLeg) -> MediaLeg? {
        switch app {
        case .none: leg.side == .a ? legB : legA
        case .echo: legA
        case .source: nil
        }
    }

    // MARK: Input

    /// A plain RTP packet from `leg` (SRTP already removed). The bytes may be modified.
    public func receiveRTP(from side: LegSide, packet: UnsafeMutableRawBufferPointer, now: UInt64) {
        guard let leg = leg(side) else { return }
        let bytes = UnsafeRawBufferPointer(packet)
        guard let header = try? RTPHeader(parsing: bytes), let length = header.payloadLength(in: bytes) else {
            leg.statistics.dropped.malformed += 1
            return
        }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[header.payloadOffset..<(header.payloadOffset + length)])
        leg.statistics.packetsReceived += 1
        leg.statistics.bytesReceived += length

        var missing = 0
        var late = false
        if !leg.reception.isStarted || leg.reception.ssrc != header.ssrc {
            leg.startInbound(ssrc: header.ssrc, sequence: header.sequenceNumber)
            events(.streamStarted(side, ssrc: header.ssrc, payloadType: header.payloadType))
        } else {
            switch leg.reception.update(sequence: header.sequenceNumber) {
            case .duplicate: leg.statistics.dropped.late += 1; return
            case .late: late = true
            case .jump: leg.statistics.dropped.sequenceJump += 1; return
            case .restart: leg.hasAudioTimestamp = false
            case .next(let m): missing = m
            }
        }

        let pt = header.payloadType
        if pt == leg.config.payloadType {
            leg.reception.updateJitter(timestamp: header.timestamp, arrival: now)
            receiveAudio(leg, header: header, payload: payload, missing: missing, late: late, now: now)
        } else if let te = leg.config.receivedTelephoneEvent(pt) {
            leg.statistics.eventPacketsReceived += 1
            leg.receivedEventClockRate = te.clockRate
            receiveTelephoneEvent(leg, header: header, payload: payload, clockRate: te.clockRate, now: now)
        } else if pt == 13 || pt == leg.config.comfortNoisePayloadType {
            leg.statistics.comfortNoisePacketsReceived += 1
            receiveComfortNoise(leg, payload: payload, now: now)
        } else {
            leg.statistics.dropped.unknownPayloadType += 1
        }
    }

    private func receiveAudio(_ leg: MediaLeg, header: RTPHeader, payload: UnsafeRawBufferPointer, missing: Int, late: Bool, now: UInt64) {
        let target = target(of: leg)
        let passThrough = target.map { isPassThrough(into: $0.side) && !$0.isGenerating } ?? false
        // Out of order: passed through in its place, but when transcoding its time was concealed.
        if late {
            if let target, passThrough { target.forward(header: header, payload: payload, now: now) }
            else { leg.statistics.dropped.late += 1 }
            return
        }
        if let target, passThrough {
            target.forward(header: header, payload: payload, now: now)
            if target.comfortNoiseActive { target.stopComfortNoise() }
        }
        guard !passThrough || leg.detector != nil else {
            leg.expectedAudioTimestamp = header.timestamp &+ UInt32(truncatingIfNeeded: leg.codec.rtpDuration(payload) ?? 0)
            leg.hasAudioTimestamp = true
            return
        }
        let clock = leg.config.codec.rtpClockRate
        let toTarget = passThrough ? nil : target
        // Loss: fill the missing time (Opus FEC for the frame just before this packet, concealment
        // before that), so the output has neither a hole nor a burst. Longer gaps stay gaps.
        if missing > 0, leg.hasAudioTimestamp {
            let gap = Int(Int32(bitPattern: header.timestamp &- leg.expectedAudioTimestamp))
            if gap > 0, gap <= clock * 120 / 1000 {
                var remaining = gap * pcmRate / clock
                var ts = leg.expectedAudioTimestamp
                while remaining > 0 {
                    let n = min(leg.codec.lastFrameSamples, remaining, MediaLeg.maximumFrameSamples)
                    let got = leg.codec.conceal(into: scratch, samples: n, next: remaining == n ? payload : nil)
                    guard got > 0 else { break }
                    leg.statistics.framesConcealed += 1
                    deliver(leg, to: toTarget, count: got, timestamp: ts, ssrc: header.ssrc, now: now)
                    ts &+= UInt32(got * clock / pcmRate)
                    remaining -= got
                }
            }
        }
        guard let n = leg.codec.decode(payload, into: scratch, capacity: Self.scratchCapacity) else {
            leg.statistics.dropped.undecodable += 1
            return
        }
        deliver(leg, to: toTarget, count: n, timestamp: header.timestamp, ssrc: header.ssrc, now: now)
        leg.expectedAudioTimestamp = header.timestamp &+ UInt32(truncatingIfNeeded: n * clock / pcmRate)
        leg.hasAudioTimestamp = true
    }

    /// Decoded audio of `leg` in `scratch`: looked at for tones, then handed on.
    private func deliver(_ leg: MediaLeg, to target: MediaLeg?, count: Int, timestamp: UInt32, ssrc: UInt32, now: UInt64) {
        if let detector = leg.detector {
            detector.process(scratch, count: count) { tone in
                switch tone {
                case .began(let d): digitBegan(d, from: leg, now: now)
                case let .ended(d, duration): digitEnded(d, from: leg, duration: duration, via: .inband, now: now)
                }
            }
        }
        target?.push(scratch, count: count, timestamp: timestamp, ssrc: ssrc, now: now)
    }

    private func receiveTelephoneEvent(_ leg: MediaLeg, header: RTPHeader, payload: UnsafeRawBufferPointer, clockRate: Int, now: UInt64) {
        guard let event = TelephoneEvent(parsing: payload) else { leg.statistics.dropped.malformed += 1; return }
        let update = leg.telephoneEvents.receive(event, timestamp: header.timestamp, marker: header.marker, now: now)
        handle(update, from: leg, clockRate: clockRate, now: now)
        handle(leg.telephoneEvents.takePendingEnd(), from: leg, clockRate: clockRate, now: now)
    }

    private func handle(_ update: TelephoneEventUpdate, from leg: MediaLeg, clockRate: Int, now: UInt64) {
        func ns(_ units: Int) -> UInt64 { UInt64(max(0, units)) * 1_000_000_000 / UInt64(max(1, clockRate)) }
        switch update {
        case .none: break
        case .began(let d): digitBegan(d, from: leg, now: now)
        case let .ended(d, duration): digitEnded(d, from: leg, duration: ns(duration), via: .rfc4733, now: now)
        case let .endedAndBegan(ended, duration, began):
            digitEnded(ended, from: leg, duration: ns(duration), via: .rfc4733, now: now)
            digitBegan(began, from: leg, now: now)
        }
    }

    private func receiveComfortNoise(_ leg: MediaLeg, payload: UnsafeRawBufferPointer, now: UInt64) {
        guard let cn = ComfortNoisePayload(parsing: payload) else { leg.statistics.dropped.malformed += 1; return }
        // The silence ends the audio run: what follows is a new talkspurt.
        leg.hasAudioTimestamp = false
        guard let target = target(of: leg) else { return }
        if let pt = target.config.comfortNoisePayloadType, target.config.codec.rtpClockRate == 8_000 {
            target.sendComfortNoisePacket(level: cn.level, payloadType: pt, now: now)
        } else {
            target.startComfortNoise(level: cn.level, now: now)
            target.generate(now: now, scratch: generatedFrame, onSourceFinished: {})
        }
    }

    /// An RTCP datagram (compound or reduced-size, SRTCP already removed) from `leg`.
    public func receiveRTCP(from side: LegSide, packet: UnsafeRawBufferPointer, now: UInt64) {
        guard let leg = leg(side) else { return }
        let hadGoodbye = leg.rtcp.goodbyeReceived
        if leg.rtcp.receive(packet, ourSSRC: leg.stream.ssrc, now: now) {
            leg.statistics.rtcpReceived += 1
        } else {
            leg.statistics.dropped.malformed += 1
        }
        if leg.rtcp.goodbyeReceived && !hadGoodbye { events(.goodbye(side)) }
    }

    // MARK: DTMF

    private func digitBegan(_ digit: DTMFDigit, from leg: MediaLeg, now: UInt64) {
        guard let target = target(of: leg) else { return }
        switch target.outgoingDTMF {
        case .rfc4733, .inband:
            target.dtmf.begin(digit)
            service(target, now: now)
        case .info:
            break   // INFO carries the duration, so it goes at the end
        }
    }

    private func digitEnded(_ digit: DTMFDigit, from leg: MediaLeg, duration: UInt64, via: DTMFTransport, now: UInt64) {
        let ms = Int(duration / 1_000_000)
        events(.digitReceived(from: leg.side, digit: digit, durationMs: ms, via: via))
        guard let target = target(of: leg) else { return }
        leg.statistics.digitsRelayed += 1
        switch target.outgoingDTMF {
        case .rfc4733, .inband:
            target.dtmf.end(digit, duration: duration)
            service(target, now: now)
        case .info:
            events(.sendInfo(to: target.side, digit: digit, durationMs: ms))
        }
    }

    /// A digit that arrived by SIP INFO on `leg`'s dialog: relayed to the other leg in its DTMF mode.
    public func receivedInfoDigit(from side: LegSide, digit: DTMFDigit, durationMs: Int, now: UInt64) {
        guard let leg = leg(side) else { return }
        events(.digitReceived(from: side, digit: digit, durationMs: durationMs, via: .info))
        guard let target = target(of: leg) else { return }
        leg.statistics.digitsRelayed += 1
        deliverDigit(digit, durationMs: durationMs, to: target, now: now)
    }

    /// Sends a digit toward `leg` in that leg's DTMF mode (RFC 4733 events, a tone, or a `sendInfo`
    /// event back to the owner).
    public func sendDTMF(to side: LegSide, digit: DTMFDigit, durationMs: Int, now: UInt64) {
        guard let target = leg(side) else { return }
        deliverDigit(digit, durationMs: durationMs, to: target, now: now)
    }

    private func deliverDigit(_ digit: DTMFDigit, durationMs: Int, to target: MediaLeg, now: UInt64) {
        switch target.outgoingDTMF {
        case .rfc4733, .inband:
            target.dtmf.play(digit, duration: UInt64(max(0, durationMs)) * 1_000_000)
            service(target, now: now)
        case .info:
            events(.sendInfo(to: target.side, digit: digit, durationMs: durationMs))
        }
    }

    private func service(_ leg: MediaLeg, now: UInt64) {
        switch leg.outgoingDTMF {
        case .rfc4733:
            leg.serviceTelephoneEvents(now: now)
        case .inband:
            leg.updateGenerating(now: now)
            leg.generate(now: now, scratch: generatedFrame, onSourceFinished: { events(.sourceFinished) })
        case .info:
            break
        }
    }

    // MARK: Time

    /// Timing work, every 10–20 ms: telephone-event updates and end repeats, in-band tones, media
    /// apps, comfort noise, digits whose end never came, and RTCP reports when due.
    public func tick(now: UInt64) {
        tick(legA, now: now)
        if let legB { tick(legB, now: now) }
    }

    private func tick(_ leg: MediaLeg, now: UInt64) {
        handle(leg.telephoneEvents.expire(now: now), from: leg, clockRate: leg.receivedEventClockRate, now: now)
        if leg.outgoingDTMF == .rfc4733 { leg.serviceTelephoneEvents(now: now) }
        leg.generate(now: now, scratch: generatedFrame, onSourceFinished: { events(.sourceFinished) })
        if let due = leg.rtcp.nextReportAt {
            guard now >= due else { return }
            leg.sendReport(now: now)
            leg.rtcp.scheduleNext(after: now)
        } else {
            leg.rtcp.scheduleNext(after: now)
        }
    }

    /// Writes an RTCP report for `leg` now (SR or RR with SDES CNAME) into `out`; returns its length.
    /// For owners that schedule reports themselves; `tick` already sends them when due.
    public func makeRTCP(for side: LegSide, now: UInt64, into out: UnsafeMutableRawBufferPointer) -> Int? {
        leg(side)?.makeReport(into: out, now: now)
    }

    /// Writes the RTCP to send to `leg` at hang-up: a report and BYE.
    public func makeGoodbye(for side: LegSide, now: UInt64, into out: UnsafeMutableRawBufferPointer) -> Int? {
        guard let leg = leg(side), let n = leg.makeReport(into: out, now: now),
              let bye = RTCPGoodbye.write(ssrc: leg.stream.ssrc, into: UnsafeMutableRawBufferPointer(rebasing: out[n...]))
        else { return nil }
        return n + bye
    }

    // MARK: Re-INVITE

    /// A re-INVITE on `leg` changed its codec, ptime, DTMF, or direction (hold and resume). Our SSRC
    /// toward it stays (the config's `ssrc` is ignored), and sequence and timestamps continue.
    public func reconfigure(leg side: LegSide, config: MediaLegConfig) throws(MediaError) {
        guard let leg = leg(side) else { return }
        let other = side == .a ? legB : legA
        let codecs = [config.codec] + (other.map { [$0.config.codec] } ?? [])
        let rate = Self.pcmRate(for: codecs)
        let sourceClock = other?.config.codec.rtpClockRate ?? config.codec.rtpClockRate
        try leg.reconfigure(config, pcmRate: rate, sourceClock: sourceClock)
        if let other {
            if rate != pcmRate {
                try other.reconfigure(other.config, pcmRate: rate, sourceClock: config.codec.rtpClockRate)
            } else {
                other.setSource(clock: config.codec.rtpClockRate)
            }
        }
        if rate != pcmRate, let source = leg.source {
            source.prepare(sampleRate: rate)
        }
        pcmRate = rate
        planPassThrough()
    }

    // MARK: Statistics

    /// What `leg` sent and received, its loss, jitter and RTT.
    public func statistics(for side: LegSide) -> MediaLegStatistics {
        guard let leg = leg(side) else { return MediaLegStatistics() }
        var s = leg.statistics
        s.cumulativeLost = leg.reception.cumulativeLost
        s.expectedPackets = leg.reception.isStarted ? leg.reception.expected : 0
        s.jitterMs = leg.reception.jitterMilliseconds
        s.remoteCumulativeLost = Int(leg.rtcp.remoteCumulativeLost)
        s.remoteFractionLost = Double(leg.rtcp.remoteFractionLost) / 256
        s.remoteJitterMs = Double(leg.rtcp.remoteJitter) * 1000 / Double(leg.config.codec.rtpClockRate)
        s.roundTripMs = leg.rtcp.roundTripNanoseconds.map { Double($0) / 1e6 }
        return s
    }

    /// Our SSRC toward `leg`.
    public func outboundSSRC(for side: LegSide) -> UInt32? { leg(side)?.stream.ssrc }
}
