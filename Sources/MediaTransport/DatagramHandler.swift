import NIOCore

/// Moves values that are not Sendable onto the event loop that will own them from then on.
public struct LoopTransfer<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

/// A weak reference moved the same way, for the callbacks an object's own media keeps: a strong
/// one would be a cycle (call → media → callback → call) that nothing breaks when the call ends.
public final class WeakTransfer<Value: AnyObject>: @unchecked Sendable {
    public weak var value: Value?
    public init(_ value: Value) { self.value = value }
}

/// Hands each datagram to `onDatagram` in a buffer the handler owns, for in-place processing (SRTP
/// unprotect, header rewrite). Copying into it costs a memcpy; mutating NIO's own buffer in place would
/// copy-on-write into a fresh allocation on every packet, since the pipeline still holds a reference.
/// Datagrams larger than the buffer are not media and are dropped.
final class DatagramHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    var onDatagram: ((UnsafeMutableRawBufferPointer, SocketAddress) -> Void)?
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)

    deinit { scratch.deallocate() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let count = envelope.data.readableBytes
        guard count <= scratch.count, let onDatagram else { return }
        envelope.data.withUnsafeReadableBytes { scratch.copyMemory(from: $0) }
        onDatagram(UnsafeMutableRawBufferPointer(rebasing: scratch[0..<count]), envelope.remoteAddress)
    }
}

/// Sends datagrams from one retained buffer. A UDP write normally completes inside `writeAndFlush`,
/// after which the channel no longer references the buffer, so the next `clear()` reuses its storage
/// instead of allocating; a write the kernel defers keeps its bytes and the next send copies on write.
/// Confined to the channel's event loop.
final class DatagramWriter {
    private let channel: Channel
    private var buffer: ByteBuffer

    init(channel: Channel) {
        self.channel = channel
        buffer = channel.allocator.buffer(capacity: 2048)
    }

    func send(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress) {
        buffer.clear()
        buffer.writeBytes(bytes)
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
    }
}
