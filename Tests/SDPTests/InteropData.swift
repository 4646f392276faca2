import Foundation

/// Browser SDPs captured from Chrome 156, kept with their CRLF line ends in `Fixtures/`.
enum InteropData {
    static let directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func text(_ name: String) throws -> String {
        String(decoding: try Data(contentsOf: directory.appendingPathComponent(name)), as: UTF8.self)
    }

    static let chromeOffer = "chrome156_audio_offer.sdp"
    static let chromeOfferGathered = "chrome156_audio_offer_gathered.sdp"
}

/// Test SDPs are written with LF in Swift literals; this makes the CRLF form phones really send.
func crlf(_ text: String) -> String {
    text.replacingOccurrences(of: "\n", with: "\r\n")
}
