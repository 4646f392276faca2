import Media
import Testing

/// The E-model estimate against values worked by hand from its formula.
@Suite struct QualityEstimateTests {
    @Test func aCleanLoopbackRatesNearTheTopOfTheScale() {
        // Delay 10 ms: R = 93.2 - 0.25; MOS = 1 + 0.035 R + 7e-6 R (R - 60)(100 - R) ≈ 4.40.
        let q = QualityEstimate(lossFraction: 0, jitterMs: 0, roundTripMs: nil)
        #expect(abs(q.rFactor - 92.95) < 0.001)
        #expect(abs(q.mos - 4.404) < 0.01)
    }

    @Test func lossCostsTwoAndAHalfPointsOfRPerPercent() {
        let q = QualityEstimate(lossFraction: 0.05, jitterMs: 0, roundTripMs: nil)
        #expect(abs(q.rFactor - 80.45) < 0.001)
        #expect(abs(q.mos - 4.04) < 0.01)
    }

    @Test func delayPastTheKneeCostsFasterAndTheScaleIsBounded() {
        // RTT 300 ms, jitter 20 ms: delay 150 + 40 + 10 = 200 ms, past 160: (200 - 120) / 10 = 8.
        let q = QualityEstimate(lossFraction: 0, jitterMs: 20, roundTripMs: 300)
        #expect(abs(q.rFactor - 85.2) < 0.001)
        let worst = QualityEstimate(lossFraction: 1, jitterMs: 500, roundTripMs: 2000)
        #expect(worst.rFactor == 0 && worst.mos == 1)
    }
}
