/// A listening-quality estimate for one leg from what RTCP and our own reception measured: the
/// E-model's transmission rating R (ITU-T G.107) reduced to the terms a gateway can observe — delay
/// from the round trip and jitter buffering, and packet loss — and R mapped to a MOS (G.107 Annex B).
/// This is the simplification network monitors use (Cole & Rosenbluth 2001); codec impairment is
/// taken as zero, so it rates the network, not the codec.
public struct QualityEstimate: Sendable, Equatable {
    public let rFactor: Double
    public let mos: Double

    /// `lossFraction` 0...1; `jitterMs` the RFC 3550 interarrival jitter; `roundTripMs` nil when the far
    /// end never reported on our sender reports (then only jitter buffering counts as delay).
    public init(lossFraction: Double, jitterMs: Double, roundTripMs: Double?) {
        // One-way delay: half the round trip, plus a jitter buffer of twice the jitter, plus 10 ms
        // for packetisation beyond the frame.
        let delay = (roundTripMs ?? 0) / 2 + 2 * jitterMs + 10
        let delayImpairment = delay < 160 ? delay / 40 : (delay - 120) / 10
        let lossImpairment = 2.5 * min(100, max(0, lossFraction * 100))
        let r = max(0, min(100, 93.2 - delayImpairment - lossImpairment))
        rFactor = r
        mos = r <= 0 ? 1 : min(4.5, 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r))
    }

    public init(_ statistics: MediaLegStatistics) {
        self.init(lossFraction: statistics.lossFraction, jitterMs: statistics.jitterMs, roundTripMs: statistics.roundTripMs)
    }
}
