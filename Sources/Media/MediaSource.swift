/// Audio a media app makes in place of a second leg (tone, playback): the bridge pulls one frame
/// per packet time on its tick, encodes it in the leg's codec and sends it. Called only on the
/// bridge's event loop; `fill` must not allocate.
public protocol MediaSource: AnyObject {
    /// Called once, before the first `fill`, with the PCM rate frames are wanted at.
    func prepare(sampleRate: Int)
    /// Writes the next `pcm.count` samples; returns how many were written. Fewer than asked means
    /// the source has ended (the bridge fills the rest with silence and reports `sourceFinished`).
    func fill(_ pcm: UnsafeMutableBufferPointer<Int16>) -> Int
}

/// What stands in for the second leg of a bridge that talks to a media app.
public enum MediaApp {
    /// The caller's audio decoded and re-encoded back to it (and its digits echoed as events).
    case echo
    /// Audio from a source: `ToneSource`, `WAVPlayback`, or the owner's own.
    case source(any MediaSource)
}
