import ByteText

/// The payload types RFC 3551 §6 assigns statically, which phones send without an rtpmap.
///
/// G722 is listed at 8000 Hz although it samples at 16 kHz: RFC 3551 §4.5.2 fixed its RTP clock at 8000
/// by mistake long ago, and everyone kept it.
public enum StaticPayloadType {
    /// The encoding a static payload type stands for, or nil for a dynamic or unassigned one.
    public static func rtpMap(for payloadType: UInt8) -> RTPMap? {
        guard let entry = table[payloadType] else { return nil }
        return RTPMap(payloadType: payloadType, encodingName: entry.name, clockRate: entry.clockRate,
                      channels: entry.channels)
    }

    /// The static payload type for an encoding, if it has one (`PCMU`/8000 → 0); used to write answers
    /// that phones which ignore rtpmap for low numbers still understand.
    public static func payloadType(forEncoding name: String, clockRate: UInt32, channels: UInt8 = 1) -> UInt8? {
        table.first { pt, entry in
            ASCII.equalsIgnoringCase(entry.name, name) && entry.clockRate == clockRate
                && (entry.channels ?? 1) == channels
        }?.key
    }

    private struct Entry {
        let name: String
        let clockRate: UInt32
        let channels: UInt8?
    }

    private static let table: [UInt8: Entry] = [
        0: Entry(name: "PCMU", clockRate: 8000, channels: nil),
        3: Entry(name: "GSM", clockRate: 8000, channels: nil),
        4: Entry(name: "G723", clockRate: 8000, channels: nil),
        5: Entry(name: "DVI4", clockRate: 8000, channels: nil),
        6: Entry(name: "DVI4", clockRate: 16000, channels: nil),
        7: Entry(name: "LPC", clockRate: 8000, channels: nil),
        8: Entry(name: "PCMA", clockRate: 8000, channels: nil),
        9: Entry(name: "G722", clockRate: 8000, channels: nil),
        10: Entry(name: "L16", clockRate: 44100, channels: 2),
        11: Entry(name: "L16", clockRate: 44100, channels: nil),
        12: Entry(name: "QCELP", clockRate: 8000, channels: nil),
        13: Entry(name: "CN", clockRate: 8000, channels: nil),
        14: Entry(name: "MPA", clockRate: 90000, channels: nil),
        15: Entry(name: "G728", clockRate: 8000, channels: nil),
        16: Entry(name: "DVI4", clockRate: 11025, channels: nil),
        17: Entry(name: "DVI4", clockRate: 22050, channels: nil),
        18: Entry(name: "G729", clockRate: 8000, channels: nil),
        25: Entry(name: "CelB", clockRate: 90000, channels: nil),
        26: Entry(name: "JPEG", clockRate: 90000, channels: nil),
        28: Entry(name: "nv", clockRate: 90000, channels: nil),
        31: Entry(name: "H261", clockRate: 90000, channels: nil),
        32: Entry(name: "MPV", clockRate: 90000, channels: nil),
        33: Entry(name: "MP2T", clockRate: 90000, channels: nil),
        34: Entry(name: "H263", clockRate: 90000, channels: nil),
    ]
}
