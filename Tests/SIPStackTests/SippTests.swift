import Foundation
import Logging
import NIOCore
import NIOPosix
import SIP
import Testing
import TestSupport
@testable import SIPStack

/// A minimal UAS core for the stack tests: answers INVITE with 180 and 200 (with SDP), BYE and
/// OPTIONS with 200, anything else with 501. Counts what it saw.
final class AnsweringUA: SIPEndpointDelegate, @unchecked Sendable {
    var invites = 0, acks = 0, byes = 0, closedFlows = 0
    static let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"

    func endpoint(_ endpoint: SIPEndpoint, received request: SIPRequest, transaction: ServerTransactionHandle<SIPPeer>) {
        switch request.method {
        case .invite:
            invites += 1
            let tag = SIPEndpoint.randomToken(8)
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 180, toTag: tag))
            var ok = SIPResponse(replyingTo: request, statusCode: 200, toTag: tag)
            ok.headers.add(.contact, "<sip:tandem@\(endpoint.sentBy[.udp]?.host ?? "127.0.0.1"):\(endpoint.sentBy[transaction.peer.transport]?.port ?? 0)>")
            ok.headers.add(.contentType, "application/sdp")
            ok.body = Array(Self.sdp.utf8)
            endpoint.sendSuccess(ok, through: transaction)
        case .bye:
            byes += 1
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 200))
        case .options:
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 200))
        default:
            transaction.respond(SIPResponse(replyingTo: request, statusCode: 501))
        }
    }

    func endpoint(_ endpoint: SIPEndpoint, receivedOutsideTransaction request: SIPRequest, from peer: SIPPeer) {
        if request.method == .ack { acks += 1 }
    }

    func endpoint(_ endpoint: SIPEndpoint, receivedStray response: SIPResponse, from peer: SIPPeer) {}
    func endpoint(_ endpoint: SIPEndpoint, flowClosed peer: SIPPeer) { closedFlows += 1 }
}

/// Runs an endpoint on its own event loop for one test and closes everything afterwards.
func withEndpoint(_ delegate: SIPEndpointDelegate, timers: SIPTimerSettings = SIPTimerSettings(),
                  _ body: (SIPEndpoint) async throws -> Void) async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let endpoint = SIPEndpoint(loop: group.next(), logger: Logger(label: "test"), timers: timers)
    endpoint.delegate = delegate
    do {
        try await body(endpoint)
    } catch {
        await endpoint.close()
        try? await group.shutdownGracefully()
        throw error
    }
    await endpoint.close()
    try await group.shutdownGracefully()
}

let sippBinary = "/usr/bin/sipp"

func runSipp(_ arguments: [String], timeout: TimeInterval = 60) throws -> (status: Int32?, output: String) {
    let dir = NSTemporaryDirectory() + "sipp-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let sipp = try ChildProcess(sippBinary, arguments + ["-nostdin", "-timeout", "\(Int(timeout - 5))s", "-timeout_error"], directory: dir)
    defer { sipp.stop() }
    let status = sipp.waitForExit(timeout: timeout)
    return (status, sipp.text)
}

@Suite(.serialized) struct SippTests {
    /// sipp's own UAC over UDP and TCP, on IPv4 and IPv6 loopback.
    @Test(arguments: [("udp", "u1", "127.0.0.1"), ("tcp", "t1", "127.0.0.1"), ("udp", "u1", "::1"), ("tcp", "t1", "::1")])
    func sippUACCallsTandem(transport: String, sippMode: String, host: String) async throws {
        let ua = AnsweringUA()
        try await withEndpoint(ua) { endpoint in
            let address = transport == "udp"
                ? try await endpoint.bindUDP(host: host, port: 0)
                : try await endpoint.bindStream(.tcp, host: host, port: 0)
            let port = try #require(address.port)
            let target = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            let result = try runSipp(["-sn", "uac", target, "-i", host, "-p", "\(freePort(udp: transport == "udp"))",
                                      "-mp", "\(freePort(udp: true))", "-t", sippMode, "-m", "10", "-r", "20", "-l", "10", "-d", "100"])
            #expect(result.status == 0, "sipp: \(result.output.suffix(1500))")
            let (invites, acks, byes) = try await endpoint.loop.submit { (ua.invites, ua.acks, ua.byes) }.get()
            #expect(invites == 10 && acks == 10 && byes == 10)
        }
    }

    @Test func sippUACWithLostPacketsCompletesThroughRetransmission() async throws {
        let ua = AnsweringUA()
        // Short T1 keeps the test quick; the machine is the same.
        var timers = SIPTimerSettings()
        timers.t1 = 100_000_000
        timers.t2 = 800_000_000
        try await withEndpoint(ua, timers: timers) { endpoint in
            let port = try #require(try await endpoint.bindUDP(host: "127.0.0.1", port: 0).port)
            // sipp's uac with responses tied to their transactions (uac_lossy.xml): with the built-in one, a
            // retransmitted 200 for the INVITE (its ACK lost) could pass for the 200 of a BYE that was lost too.
            let result = try runSipp(["-sf", repositoryRoot + "/Tests/Interop/sipp/uac_lossy.xml", "127.0.0.1:\(port)",
                                      "-i", "127.0.0.1", "-p", "\(freePort(udp: true))",
                                      "-mp", "\(freePort(udp: true))", "-m", "8", "-r", "10", "-l", "8", "-d", "100",
                                      "-lost", "10", "-max_retrans", "10"], timeout: 90)
            #expect(result.status == 0, "sipp: \(result.output.suffix(1500))")
            let byes = try await endpoint.loop.submit { ua.byes }.get()
            #expect(byes >= 8, "every call got to its BYE")
        }
    }

    @Test func tandemCallsSippUAS() async throws {
        let ua = AnsweringUA()
        try await withEndpoint(ua) { endpoint in
            _ = try await endpoint.bindUDP(host: "127.0.0.1", port: 0)
            let sippPort = freePort(udp: true)
            let dir = NSTemporaryDirectory() + "sipp-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let sipp = try ChildProcess(sippBinary, ["-sn", "uas", "-i", "127.0.0.1", "-p", "\(sippPort)", "-mp", "\(freePort(udp: true))",
                                                     "-m", "3", "-nostdin", "-timeout", "30s", "-timeout_error"], directory: dir)
            defer { sipp.stop() }
            let peer = try await endpoint.peer(host: "127.0.0.1", port: sippPort, transport: .udp)
            for call in 0..<3 {
                let outcome = try await UAC.call(endpoint: endpoint, peer: peer, user: "sipp", callID: "tandem-call-\(call)-\(UUID().uuidString)")
                #expect(outcome.provisional.contains(180), "call \(call): \(outcome)")
                #expect(outcome.final == 200, "call \(call): \(outcome)")
                #expect(outcome.byeStatus == 200, "call \(call): \(outcome)")
            }
            #expect(sipp.waitForExit(timeout: 20) == 0, "sipp: \(sipp.text.suffix(1500))")
        }
    }
}

/// A scripted caller over the endpoint: INVITE, ACK the 2xx, BYE.
enum UAC {
    struct Outcome: CustomStringConvertible {
        var provisional: [Int] = []
        var final: Int?
        var byeStatus: Int?
        var description: String { "1xx \(provisional), final \(final.map(String.init) ?? "none"), BYE \(byeStatus.map(String.init) ?? "none")" }
    }

    static func call(endpoint: SIPEndpoint, peer: SIPPeer, user: String, callID: String) async throws -> Outcome {
        let remote = "\(peer.remote.ipAddress ?? "127.0.0.1"):\(peer.remote.port ?? 5060)"
        var invite = try SIPRequest(method: .invite, uri: URI("sip:\(user)@\(remote)"))
        let local = try await endpoint.loop.submit { endpoint.sentBy[.udp] ?? ("127.0.0.1", 0) }.get()
        invite.headers.add(.via, try await endpoint.loop.submit { endpoint.makeVia(.udp).description }.get())
        invite.headers.add(.maxForwards, "70")
        invite.headers.add(.from, "<sip:tandem@\(local.host):\(local.port)>;tag=\(SIPEndpoint.randomToken(8))")
        invite.headers.add(.to, "<sip:\(user)@\(remote)>")
        invite.headers.add(.callID, callID)
        invite.headers.add(.cseq, "1 INVITE")
        invite.headers.add(.contact, "<sip:tandem@\(local.host):\(local.port)>")
        invite.headers.add(.contentType, "application/sdp")
        invite.body = Array(AnsweringUA.sdp.utf8)
        invite.headers.add(.contentLength, String(invite.body.count))

        var outcome = Outcome()
        let request = invite
        let (provisional, final): ([Int], SIPResponse?) = try await withCheckedThrowingContinuation { cont in
            endpoint.loop.execute {
                var done = false
                var provisional: [Int] = []
                endpoint.send(request, to: peer) { event in
                    switch event {
                    case .response(let r) where r.statusCode < 200: provisional.append(r.statusCode)
                    case .response(let r):
                        if !done { done = true; cont.resume(returning: (provisional, r)) }
                    case .timeout:
                        if !done { done = true; cont.resume(returning: (provisional, nil)) }
                    }
                }
            }
        }
        outcome.provisional = provisional
        outcome.final = final?.statusCode
        guard let ok = final, ok.isSuccess else { return outcome }
        let to = ok.headers[.to] ?? ""
        // ACK for a 2xx: a new transaction-less request with its own branch (§13.2.2.4).
        var ack = SIPRequest(method: .ack, uri: invite.uri)
        ack.headers.add(.via, try await endpoint.loop.submit { endpoint.makeVia(.udp).description }.get())
        for name in [HeaderName.maxForwards, .from, .callID] { ack.headers.add(name, invite.headers[name] ?? "") }
        ack.headers.add(.to, to)
        ack.headers.add(.cseq, "1 ACK")
        ack.headers.add(.contentLength, "0")
        let ackToSend = ack
        try await endpoint.loop.submit { endpoint.sendStateless(.request(ackToSend), to: peer) }.get()

        var bye = SIPRequest(method: .bye, uri: invite.uri)
        bye.headers.add(.via, try await endpoint.loop.submit { endpoint.makeVia(.udp).description }.get())
        for name in [HeaderName.maxForwards, .from, .callID] { bye.headers.add(name, invite.headers[name] ?? "") }
        bye.headers.add(.to, to)
        bye.headers.add(.cseq, "2 BYE")
        bye.headers.add(.contentLength, "0")
        let byeToSend = bye
        let byeResponse: SIPResponse? = try await withCheckedThrowingContinuation { cont in
            endpoint.loop.execute {
                var done = false
                endpoint.send(byeToSend, to: peer) { event in
                    guard !done else { return }
                    switch event {
                    case .response(let r) where r.statusCode >= 200: done = true; cont.resume(returning: r)
                    case .response: break
                    case .timeout: done = true; cont.resume(returning: nil)
                    }
                }
            }
        }
        outcome.byeStatus = byeResponse?.statusCode
        return outcome
    }
}
