import Media
import SDP

extension MediaLegConfig {
    /// The media config of a leg from what its offer/answer agreed: codec, payload types, ptime,
    /// telephone-event and CN. Nil when the agreed codec is not one the bridge handles.
    public init?(agreed: AcceptedMedia, ssrc: UInt32, cname: String, dtmfMode: DTMFMode = .auto,
                 ptime: Int? = nil) {
        guard let codec = agreed.codec, let audio = AudioCodec(encodingName: codec.name) else { return nil }
        let format = { (codec: Codec) in TelephoneEventFormat(payloadType: codec.payloadType, clockRate: Int(codec.clockRate)) }
        let event = agreed.telephoneEvent.map(format)
        let fec = codec.formatParameters?.parameters.contains { $0.name == "useinbandfec" && $0.value == "1" } ?? true
        self.init(codec: audio, payloadType: codec.payloadType, ptime: ptime ?? 20, telephoneEvent: event,
                  comfortNoisePayloadType: agreed.comfortNoise?.payloadType, dtmfMode: dtmfMode, ssrc: ssrc, cname: cname,
                  opus: OpusSettings(inbandFEC: fec))
        otherTelephoneEvent = agreed.otherTelephoneEvent.map(format)
    }
}
