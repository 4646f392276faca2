import RTP

/// Whether a buffer handed to `send` holds RTP or RTCP (the SRTP layer protects them differently,
/// and without rtcp-mux they go to different ports).
public enum MediaPacketKind: Sendable, Hashable {
    case rtp
    case rtcp
}

/// All the bridge keeps for one leg: what comes in from it (reception statistics, telephone-event
/// decoding, tone detection) and what goes out to it (our stream's continuity, the PCM accumulator
/// that repacketizes, outgoing DTMF, generated audio), with its buffers allocated once per call.
final class MediaLeg {
    let side: LegSide
    private(set) var config: MediaLegConfig
    private(set) var codec: LegCodec
    private(set) var pcmRate: Int

    // Incoming.
    var reception = ReceptionStatistics()
    /// Where the next audio frame from this leg should start, to see how much a loss took away.
    var expectedAudioTimestamp: UInt32 = 0
    var hasAudioTimestamp = false
    var telephoneEvents = TelephoneEventDecoder()
    /// The clock of the telephone-events this leg last sent us, for timing out a digit whose end never came.
    var receivedEventClockRate = 8_000
    private(set) var detector: InbandDTMFDetector?
    var statistics = MediaLegStatistics()

    // Outgoing.
    var stream: OutboundStream
    /// Maps the source leg's timestamps onto our stream (set up by the bridge for its source).
    var timeline: InputTimeline
    var passThrough = PassThroughRewriter()
    /// Our RTP packet buffer: header, payload and the spare room SRTP needs after it.
    let packet: UnsafeMutableRawBufferPointer
    let rtcpPacket: UnsafeMutableRawBufferPointer
    private let accumulator: UnsafeMutablePointer<Int16>
    private var accumulated = 0
    private var accumulatorTimestamp: UInt32 = 0
    private(set) var frameSamples: Int
    private(set) var frameTicks: Int
    private(set) var frameNanoseconds: UInt64
    var dtmf: DTMFSender
    private(set) var outgoingDTMF: OutgoingDTMF
    private var eventTimestamp: UInt32 = 0
    private var eventSegmentOffset: UInt64 = 0
    private var digitTone: ToneGenerator?
    /// Generated audio in progress (in-band digits, comfort noise, a media app), paced by the tick.
    private(set) var isGenerating = false
    private var nextGeneratedFrame: UInt64 = 0
    var comfortNoise = ComfortNoiseGenerator()
    var comfortNoiseActive = false
    var source: (any MediaSource)?
    var sourceFinished = false
    var rtcp: RTCPReporter

    private let send: (LegSide, MediaPacketKind, UnsafeMutableRawBufferPointer, Int) -> Void

    static let maximumPayload = 1_500 - RTPHeader.fixedLength
    static let srtpSpare = 200
    static let maximumFrameSamples = 48_000 * 60 / 1000

    init(side: LegSide, config: MediaLegConfig, pcmRate: Int, sourceClock: Int, ntpEpochSeconds: UInt64,
         send: @escaping (LegSide, MediaPacketKind, UnsafeMutableRawBufferPointer, Int) -> Void) throws(MediaError) {
        self.side = side
        self.config = config
        self.pcmRate = pcmRate
        self.send = send
        codec = try LegCodec(codec: config.codec, pcmRate: pcmRate, opus: config.opus)
        stream = OutboundStream(ssrc: config.ssrc, clockRate: config.codec.rtpClockRate,
                                initialSequence: UInt16.random(in: 0...0x7FFF), initialTimestamp: UInt32.random(in: 0...UInt32.max))
        timeline = InputTimeline(inputClock: sourceClock, outputClock: config.codec.rtpClockRate)
        packet = .allocate(byteCount: RTPHeader.fixedLength + Self.maximumPayload + Self.srtpSpare, alignment: 16)
        rtcpPacket = .allocate(byteCount: 1_024 + Self.srtpSpare, alignment: 16)
        accumulator = .allocate(capacity: Self.maximumFrameSamples)
        frameSamples = 0
        frameTicks = 0
        frameNanoseconds = 0
        outgoingDTMF = config.outgoingDTMF
        dtmf = DTMFSender(updateInterval: 20_000_000, endPackets: 3)
        rtcp = RTCPReporter(seed: config.ssrc, ntpEpochSeconds: ntpEpochSeconds)
        applyFraming()
    }

    deinit {
        packet.deallocate()
        rtcpPacket.deallocate()
        accumulator.deallocate()
    }

    /// A re-INVITE: new codec or DTMF or direction; our SSRC, sequence and timestamp carry on.
    func reconfigure(_ newConfig: MediaLegConfig, pcmRate newRate: Int, sourceClock: Int) throws(MediaError) {
        var c = newConfig
        c.ssrc = config.ssrc
        if c.codec != config.codec || c.opus != config.opus || newRate != pcmRate {
            codec = try LegCodec(codec: c.codec, pcmRate: newRate, opus: c.opus)
            hasAudioTimestamp = false
        }
        let modeChanged = c.outgoingDTMF != outgoingDTMF || c.telephoneEvent != config.telephoneEvent
        config = c
        pcmRate = newRate
        stream.changeClock(to: c.codec.rtpClockRate)
        reception.clockRate = c.codec.rtpClockRate
        setSource(clock: sourceClock)
        outgoingDTMF = c.outgoingDTMF
        if modeChanged {
            dtmf.reset()
            digitTone = nil
        }
        applyFraming()
        updateGenerating(now: nil)
    }

    /// The clock of the leg feeding us changed (its re-INVITE): timing restarts from our stream.
    func setSource(clock: Int) {
        timeline = InputTimeline(inputClock: clock, outputClock: config.codec.rtpClockRate)
        passThrough.reset()
        accumulated = 0
    }

    private func applyFraming() {
        let ptime = config.effectivePtime
        frameSamples = min(Self.maximumFrameSamples, pcmRate * ptime / 1000)
        frameTicks = config.codec.rtpClockRate * ptime / 1000
        frameNanoseconds = UInt64(ptime) * 1_000_000
        dtmf.updateInterval = frameNanoseconds
        dtmf.endPackets = outgoingDTMF == .rfc4733 ? 3 : 1
        if config.detectsInbandDTMF {
            if detector == nil { detector = InbandDTMFDetector(pcmRate: pcmRate) }
        } else {
            detector = nil
        }
        accumulated = 0
    }

    /// Samples at the PCM rate → ticks of our RTP clock.
    @inline(__always) private func ticks(_ samples: Int) -> Int { samples * config.codec.rtpClockRate / pcmRate }

    // MARK: Incoming stream bookkeeping

    func startInbound(ssrc: UInt32, sequence: UInt16) {
        reception.start(ssrc: ssrc, sequence: sequence)
        reception.clockRate = config.codec.rtpClockRate
        hasAudioTimestamp = false
        telephoneEvents.reset()
        statistics.remoteSSRC = ssrc
    }

    // MARK: Outgoing: pass-through

    /// Forwards a packet of the same codec with only the header rewritten.
    func forward(header: RTPHeader, payload: UnsafeRawBufferPointer, now: UInt64) {
        guard config.direction.sends else { statistics.dropped.onHold += 1; return }
        guard payload.count <= Self.maximumPayload else { statistics.dropped.malformed += 1; return }
        if accumulated > 0 { flushPartialFrame(now: now) }
        let anchoring = !passThrough.isAnchored || passThrough.ssrc != header.ssrc
        guard let sequence = passThrough.sequence(for: header.sequenceNumber, ssrc: header.ssrc, stream: &stream) else {
            statistics.dropped.late += 1
            return
        }
        var timestamp: UInt32
        var discontinuity = false
        if let mapped = timeline.map(ssrc: header.ssrc, timestamp: header.timestamp) {
            timestamp = mapped
        } else {
            timestamp = stream.position(now: now, frameTicks: frameTicks)
            timeline.anchor(ssrc: header.ssrc, input: header.timestamp, output: timestamp)
            discontinuity = true
        }
        if anchoring, stream.hasSent, timestampIsAfter(stream.nextTimestamp, timestamp) {
            timestamp = stream.nextTimestamp
            timeline.anchor(ssrc: header.ssrc, input: header.timestamp, output: timestamp)
        }
        let out = RTPHeader(marker: header.marker || (discontinuity && stream.hasSent), payloadType: config.payloadType,
                            sequenceNumber: sequence, timestamp: timestamp, ssrc: stream.ssrc)
        out.write(to: packet)
        if let base = payload.baseAddress, payload.count > 0 {
            (packet.baseAddress! + RTPHeader.fixedLength).copyMemory(from: base, byteCount: payload.count)
        }
        stream.recordSent(sequence: sequence, timestamp: timestamp, duration: codec.rtpDuration(payload) ?? 0,
                          payloadBytes: payload.count, now: now)
        emit(length: RTPHeader.fixedLength + payload.count, payloadBytes: payload.count)
    }

    // MARK: Outgoing: transcoded audio

    /// Takes decoded audio of the source leg (its RTP timestamp `timestamp` on stream `ssrc`),
    /// repacketizes it to our packet time and encodes each full frame.
    func push(_ pcm: UnsafePointer<Int16>, count: Int, timestamp: UInt32, ssrc: UInt32, now: UInt64) {
        guard config.direction.sends else { statistics.dropped.onHold += 1; accumulated = 0; return }
        if source != nil || (outgoingDTMF == .inband && dtmf.isBusy) {
            statistics.dropped.replacedByTone += 1
            return
        }
        if comfortNoiseActive { stopComfortNoise() }
        var position: UInt32
        if let mapped = timeline.map(ssrc: ssrc, timestamp: timestamp) {
            position = mapped
        } else {
            position = stream.position(now: now, frameTicks: frameTicks)
            timeline.anchor(ssrc: ssrc, input: timestamp, output: position)
        }
        if accumulated > 0 {
            let expected = accumulatorTimestamp &+ UInt32(ticks(accumulated))
            if timestampIsAfter(position, expected) {
                flushPartialFrame(now: now)
            } else if position != expected {
                position = expected
                timeline.anchor(ssrc: ssrc, input: timestamp, output: position)
            }
        }
        if accumulated == 0 {
            if stream.hasSent, timestampIsAfter(stream.nextTimestamp, position) {
                position = stream.nextTimestamp
                timeline.anchor(ssrc: ssrc, input: timestamp, output: position)
            }
            accumulatorTimestamp = position
        }
        var offset = 0
        while offset < count {
            let take = min(count - offset, frameSamples - accumulated)
            (accumulator + accumulated).update(from: pcm + offset, count: take)
            accumulated += take
            offset += take
            if accumulated == frameSamples {
                encodeAndSend(accumulator, timestamp: accumulatorTimestamp, now: now)
                accumulatorTimestamp &+= UInt32(frameTicks)
                accumulated = 0
            }
        }
    }

    /// Sends what is left of a frame, padded with silence, before a gap or a switch of feeder.
    private func flushPartialFrame(now: UInt64) {
        guard accumulated > 0 else { return }
        (accumulator + accumulated).update(repeating: 0, count: frameSamples - accumulated)
        encodeAndSend(accumulator, timestamp: accumulatorTimestamp, now: now)
        accumulatorTimestamp &+= UInt32(frameTicks)
        accumulated = 0
    }

    private func encodeAndSend(_ pcm: UnsafePointer<Int16>, timestamp: UInt32, now: UInt64) {
        let payload = UnsafeMutableRawBufferPointer(rebasing: packet[RTPHeader.fixedLength..<(RTPHeader.fixedLength + Self.maximumPayload)])
        guard let n = codec.encode(pcm, count: frameSamples, into: payload), n > 0 else { return }
        // libopus DTX: one- or two-byte frames are silence that need not be sent (RFC 7587 §3.1.3).
        if config.codec == .opus, config.opus.dtx, n <= 2 { return }
        let marker = !stream.hasSent || timestamp != stream.nextTimestamp
        let sequence = stream.takeSequence()
        RTPHeader(marker: marker, payloadType: config.payloadType, sequenceNumber: sequence, timestamp: timestamp, ssrc: stream.ssrc)
            .write(to: packet)
        stream.recordSent(sequence: sequence, timestamp: timestamp, duration: frameTicks, payloadBytes: n, now: now)
        passThrough.reset()
        emit(length: RTPHeader.fixedLength + n, payloadBytes: n)
    }

    private func emit(length: Int, payloadBytes: Int) {
        statistics.packetsSent += 1
        statistics.bytesSent += payloadBytes
        send(side, .rtp, packet, length)
    }

    // MARK: Outgoing: generated audio (in-band DTMF, comfort noise, media app)

    /// Recomputes whether the tick must make audio for this leg, starting the pacing if it must.
    func updateGenerating(now: UInt64?) {
        let wanted = source != nil || comfortNoiseActive || (outgoingDTMF == .inband && dtmf.isBusy)
        if wanted && !isGenerating, let now {
            nextGeneratedFrame = now
        }
        isGenerating = wanted
    }

    func startComfortNoise(level: UInt8, now: UInt64) {
        comfortNoise.setLevel(level)
        comfortNoiseActive = true
        updateGenerating(now: now)
    }

    func stopComfortNoise() {
        comfortNoiseActive = false
        updateGenerating(now: nil)
    }

    /// Makes the frames due by `now`, using `scratch` (room for a frame) to render them.
    func generate(now: UInt64, scratch: UnsafeMutablePointer<Int16>, onSourceFinished: () -> Void) {
        guard isGenerating, config.direction.sends else { return }
        // The first frame goes at the first tick; after a stall (a late tick) skip ahead rather
        // than send a burst.
        if nextGeneratedFrame == 0 || now > nextGeneratedFrame + 5 * frameNanoseconds { nextGeneratedFrame = now }
        while isGenerating, nextGeneratedFrame <= now {
            let frameTime = nextGeneratedFrame
            if outgoingDTMF == .inband && dtmf.isBusy {
                renderDigitFrame(at: frameTime, into: scratch)
            } else if let source {
                let n = source.fill(UnsafeMutableBufferPointer(start: scratch, count: frameSamples))
                if n < frameSamples {
                    (scratch + max(0, n)).update(repeating: 0, count: frameSamples - max(0, n))
                    if !sourceFinished { sourceFinished = true; onSourceFinished() }
                }
            } else if comfortNoiseActive {
                comfortNoise.render(into: scratch, count: frameSamples)
            } else {
                updateGenerating(now: nil)
                break
            }
            if accumulated > 0 { flushPartialFrame(now: now) }
            let timestamp = stream.position(now: now, frameTicks: frameTicks)
            encodeAndSend(scratch, timestamp: timestamp, now: now)
            nextGeneratedFrame += frameNanoseconds
            updateGenerating(now: nil)
        }
    }

    private func renderDigitFrame(at time: UInt64, into pcm: UnsafeMutablePointer<Int16>) {
        dtmf.advance(now: time) { signal in
            switch signal {
            case .start(let d): digitTone = ToneGenerator(digit: d, sampleRate: pcmRate)
            case .end: break
            case .update: break
            }
        }
        guard case let .playing(_, _, end, _, _) = dtmf.state, var tone = digitTone else {
            pcm.update(repeating: 0, count: frameSamples)
            return
        }
        var toneSamples = frameSamples
        if let end {
            toneSamples = end <= time ? 0 : min(frameSamples, Int((end - time) * UInt64(pcmRate) / 1_000_000_000))
        }
        tone.render(into: pcm, count: toneSamples)
        digitTone = tone
        (pcm + toneSamples).update(repeating: 0, count: frameSamples - toneSamples)
    }

    // MARK: Outgoing: RFC 4733 telephone-events

    /// Sends the telephone-event packets due by `now`.
    func serviceTelephoneEvents(now: UInt64) {
        guard outgoingDTMF == .rfc4733, let format = config.telephoneEvent, config.direction.sends else { return }
        dtmf.advance(now: now) { signal in
            switch signal {
            case .start(let d):
                if accumulated > 0 { flushPartialFrame(now: now) }
                eventTimestamp = stream.position(now: now, frameTicks: frameTicks)
                eventSegmentOffset = 0
                sendEvent(d, elapsed: frameNanoseconds, end: false, marker: true, format: format, now: now)
            case let .update(d, elapsed):
                sendEvent(d, elapsed: elapsed, end: false, marker: false, format: format, now: now)
            case let .end(d, duration, _):
                sendEvent(d, elapsed: duration, end: true, marker: false, format: format, now: now)
            }
        }
    }

    private func sendEvent(_ digit: DTMFDigit, elapsed: UInt64, end: Bool, marker: Bool, format: TelephoneEventFormat, now: UInt64) {
        let clock = UInt64(max(1, format.clockRate))
        var units = (elapsed - min(elapsed, eventSegmentOffset)) * clock / 1_000_000_000
        // A long event continues in a new segment once the 16-bit duration is full (RFC 4733 §2.5.1.3).
        while units > 0xFFFF, !end {
            eventSegmentOffset += 0xFFFF * 1_000_000_000 / clock
            eventTimestamp &+= UInt32(truncatingIfNeeded: 0xFFFF * UInt64(config.codec.rtpClockRate) / clock)
            units = (elapsed - min(elapsed, eventSegmentOffset)) * clock / 1_000_000_000
        }
        let event = TelephoneEvent(event: digit.code, isEnd: end, volume: 10, duration: UInt16(min(units, 0xFFFF)))
        event.write(to: UnsafeMutableRawBufferPointer(rebasing: packet[RTPHeader.fixedLength...]))
        let sequence = stream.takeSequence()
        RTPHeader(marker: marker, payloadType: format.payloadType, sequenceNumber: sequence, timestamp: eventTimestamp, ssrc: stream.ssrc)
            .write(to: packet)
        stream.recordSent(sequence: sequence, timestamp: eventTimestamp, duration: 0, payloadBytes: TelephoneEvent.length, now: now)
        passThrough.reset()
        statistics.eventPacketsSent += 1
        emit(length: RTPHeader.fixedLength + TelephoneEvent.length, payloadBytes: TelephoneEvent.length)
    }

    /// Sends a CN packet (RFC 3389) to a leg that negotiated CN, when the source went silent.
    func sendComfortNoisePacket(level: UInt8, payloadType: UInt8, now: UInt64) {
        guard config.direction.sends else { return }
        if accumulated > 0 { flushPartialFrame(now: now) }
        let timestamp = stream.position(now: now, frameTicks: frameTicks)
        _ = ComfortNoisePayload(level: level).write(to: UnsafeMutableRawBufferPointer(rebasing: packet[RTPHeader.fixedLength...]))
        let sequence = stream.takeSequence()
        RTPHeader(marker: false, payloadType: payloadType, sequenceNumber: sequence, timestamp: timestamp, ssrc: stream.ssrc).write(to: packet)
        stream.recordSent(sequence: sequence, timestamp: timestamp, duration: 0, payloadBytes: 1, now: now)
        passThrough.reset()
        emit(length: RTPHeader.fixedLength + 1, payloadBytes: 1)
    }

    // MARK: RTCP

    func makeReport(into out: UnsafeMutableRawBufferPointer, now: UInt64) -> Int? {
        rtcp.makeReport(into: out, stream: &stream, reception: &reception, cname: config.cname, now: now)
    }

    func sendReport(now: UInt64) {
        guard let n = makeReport(into: UnsafeMutableRawBufferPointer(rebasing: rtcpPacket[0..<1_024]), now: now) else { return }
        statistics.rtcpSent += 1
        send(side, .rtcp, rtcpPacket, n)
    }
}
