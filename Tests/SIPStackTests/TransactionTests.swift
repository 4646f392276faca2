import SIP
import Testing
@testable import SIPStack

func request(_ method: String, branch: String = "z9hG4bK-abc", body: String = "") -> SIPRequest {
    let text = "\(method) sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=\(branch)\r\n"
        + "Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n"
        + "Call-ID: call-1\r\nCSeq: 1 \(method)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    return try! SIPRequest(datagram: Array(text.utf8))
}

func response(_ code: Int, to req: SIPRequest, toTag: String? = "b1") -> SIPResponse {
    SIPResponse(replyingTo: req, statusCode: code, toTag: code == 100 ? nil : toTag)
}

final class Recorder {
    var sent: [(UInt64, SIPMessage)] = []
    var events: [ClientTransactionEvent] = []
}

func makeLayer(_ clock: FakeScheduler, _ rec: Recorder) -> TransactionLayer<FakePeer> {
    TransactionLayer<FakePeer>(scheduler: clock) { message, _ in rec.sent.append((clock.now, message)) }
}

@Suite struct ClientTransactionTests {
    @Test func inviteOverUDPRetransmitsWithTimerAThenTimesOutWithB() {
        let clock = FakeScheduler(), rec = Recorder(), layer = makeLayer(clock, rec)
        layer.start(request("INVITE"), to: FakePeer(isReliable: false)) { rec.events.append($0) }
        clock.advance(seconds: 40)
        // Sent at 0, then A doubling from T1: 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; B at 32 s.
        #expect(rec.sent.map { Double($0.0) / 1e9 } == [0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5])
        #expect(rec.events.count == 1)
        if case .timeout = rec.events.first {} else { Issue.record("expected timeout") }
        #expect(layer.activeClientTransactions == 0)
    }

    @Test func inviteOverTCPDoesNotRetransmit() {
        let clock = FakeScheduler(), rec = Recorder(), layer = makeLayer(clock, rec)
        layer.start(request("INVITE"), to: FakePeer(isReliable: true)) { rec.events.append($0) }
        clock.advance(seconds: 31)
        #expect(rec.sent.count == 1)
        clock.advance(seconds: 2)
        #expect(rec.events.count == 1)
    }

    @Test func provisionalStopsRetransmissionAndNon2xxIsACKedByTheTransaction() throws {
        let clock = FakeScheduler(), rec = Recorder(), layer = makeLayer(clock, rec)
        let invite = request("INVITE")
        layer.start(invite, to: FakePeer(isReliable: false)) { rec.events.append($0) }
        clock.advance(seconds: 0.2)
        #expect(layer.receive(response(180, to: invite)))
        clock.advance(seconds: 5)
        #expect(rec.sent.count == 1, "no retransmission after a 1xx")
        let busy = response(486, to: invite)
        layer.receive(busy)
        let ack = try #require(rec.sent.last?.1.request)
        #expect(ack.method == .ack)
        #expect(try ack.headers.cseq() == CSeq(1, .ack))
        #expect(try ack.headers.to().tag == "b1")
        #expect(try ack.headers.topVia().branch == "z9hG4bK-abc", "same branch as the INVITE")
        #expect(ack.uri == invite.uri)
        // A retransmitted 486 is ACKed again and not delivered twice.
        layer.receive(busy)
        #expect(rec.sent.filter { $0.1.request?.method == .ack }.count == 2)
        #expect(rec.events.count == 2)
        clock.advance(seconds: 33)
        #expect(layer.activeClientTransactions == 0)
    }

    @Test func every2xxIsDeliveredAndNotACKedByTheTransaction() {
        let clock = FakeScheduler(), rec = Recorder(), layer = makeLayer(clock, rec)
        let invite = request("INVITE")
        layer.start(invite, to: FakePeer(isReliable: false)) { rec.events.append($0) }
        layer.receive(response(200, to: invite))
        layer.receive(response(200, to: invite))
        #expect(rec.events.count == 2)
        #expect(rec.sent.count == 1, "the TU ACKs a 2xx, not the transaction")
        clock.advance(seconds: 33)
        #expect(layer.activeClientTransactions == 0)
        #expect(!layer.receive(response(200, to: invite)), "after Timer M a 2xx is stray")
    }

    @Test func nonInviteRetransmitsCappedAtT2() {
        let clock = FakeScheduler(), rec = Recorder(), layer = makeLayer(clock, rec)
        layer.start(request("OPTIONS"), to: FakePeer(isReliable: false)) { rec.events.append($0) }
        clock.advance(seconds: 40)
        #expect(rec.sent.map { Double($0.0) / 1e9 } == [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5])
        if case .timeout = rec.events.first {} else { Issue.record("expected timeout") }
    }

    @Test func nonInviteProceedingRetransmitsAtT2AndFinalCompletes() {
        let clock = FakeScheduler(), rec = Recorder(), layer = makeLayer(clock, rec)
        let bye = request("BYE")
        layer.start(bye, to: FakePeer(isReliable: false)) { rec.events.append($0) }
        clock.advance(seconds: 0.6)                      // one retransmission at 0.5
        layer.receive(response(100, to: bye))
        clock.advance(seconds: 9)                        // E fires at 1.5 (next after 0.5), then every T2
        let times = rec.sent.map { Double($0.0) / 1e9 }
        #expect(times == [0, 0.5, 1.5, 5.5, 9.5])
        layer.receive(response(200, to: bye))
        layer.receive(response(200, to: bye))
        #expect(rec.events.count == 2, "the 100 and one 200; the retransmitted 200 is absorbed")
        clock.advance(seconds: 6)
        #expect(layer.activeClientTransactions == 0)
    }
}

@Suite struct ServerTransactionTests {
    @Test func inviteGets100AtOnceAndRetransmissionsGetTheLastResponse() throws {
        let clock = FakeScheduler(), rec = Recorder(), layer = makeLayer(clock, rec)
        let invite = request("INVITE")
        guard case .new(let handle) = layer.receive(invite, from: FakePeer(isReliable: false)) else {
            Issue.record("expected a new transaction"); return
        }
        #expect(rec.sent.last?.1.response?.statusCode == 100)
        handle.respond(response(180, to: invite))
        guard case .absorbed = layer.receive(invite, from: FakePeer(isReliable: false)) else {
            Issue.record("retransmission must be absorbed"); return
        }
        #expect(rec.sent.map { $0.1.response?.statusCode } == [100, 180, 180])
    }

    @Test func non2xxFinalIsRetransmittedUntilACK() {
        let clock = FakeScheduler(), rec = Recorder(), layer = makeLayer(clock, rec)
        let invite = request("INVITE")
        guard case .new(let handle) = layer.receive(invite, from: FakePeer(isReliable: false)) else { return }
        handle.respond(response(486, to: invite))
        clock.advance(seconds: 4)    // G at 0.5, 1.5, 3.5
        #expect(rec.sent.filter { $0.1.response?.statusCode == 486 }.count == 4)
        var ack = request("ACK")
        ack.headers.set(.cseq, "1 ACK")
        guard case .absorbed = layer.receive(ack, from: FakePeer(isReliable: false)) else {
            Issue.record("the ACK for a non-2xx belongs to the transaction"); return
        }
        clock.advance(seconds: 10)
        #expect(rec.sent.filter { $0.1.response?.statusCode == 486 }.count == 4, "no more after the ACK")
        #expect(layer.activeServerTransactions == 0, "Timer I ended it")
    }

    @Test func missingACKEndsWithTimerH() {
        let clock = FakeScheduler(), rec = Recorder(), layer = makeLayer(clock, rec)
        let invite = request("INVITE")
        guard case .new(let handle) = layer.receive(invite, from: FakePeer(isReliable: false)) else { return }
        handle.respond(response(603, to: invite))
        clock.advance(seconds: 40)
        // 0, then G: 0.5, 1.5, 3.5, 7.5, 11.5, ... capped at T2 until H at 32 s.
        #expect(rec.sent.filter { $0.1.response?.statusCode == 603 }.count == 11)
        #expect(layer.activeServerTransactions == 0)
    }

    @Test func ackFor2xxGoesToTheCore() {
        let clock = FakeScheduler(), rec = Recorder(), layer = makeLayer(clock, rec)
        let invite = request("INVITE")
        guard case .new(let handle) = layer.receive(invite, from: FakePeer(isReliable: false)) else { return }
        handle.respond(response(200, to: invite))
        guard case .passToCore = layer.receive(request("ACK"), from: FakePeer(isReliable: false)) else {
            Issue.record("2xx ACK is the dialog's"); return
        }
        guard case .absorbed = layer.receive(invite, from: FakePeer(isReliable: false)) else {
            Issue.record("INVITE retransmission after 2xx is absorbed"); return
        }
        #expect(rec.sent.filter { $0.1.response?.statusCode == 200 }.count == 1, "the core, not the transaction, retransmits 2xx")
    }

    @Test func nonInviteRetransmissionGetsTheFinalAgainUntilJ() {
        let clock = FakeScheduler(), rec = Recorder(), layer = makeLayer(clock, rec)
        let options = request("OPTIONS")
        guard case .new(let handle) = layer.receive(options, from: FakePeer(isReliable: false)) else { return }
        #expect(rec.sent.isEmpty, "no 100 for non-INVITE")
        handle.respond(response(200, to: options))
        _ = layer.receive(options, from: FakePeer(isReliable: false))
        #expect(rec.sent.count == 2)
        clock.advance(seconds: 33)
        #expect(layer.activeServerTransactions == 0)
        guard case .new = layer.receive(options, from: FakePeer(isReliable: false)) else {
            Issue.record("after J the same branch is a new transaction"); return
        }
    }

    @Test func cancelFindsItsInvite() {
        let clock = FakeScheduler(), rec = Recorder(), layer = makeLayer(clock, rec)
        let invite = request("INVITE")
        _ = layer.receive(invite, from: FakePeer(isReliable: false))
        let cancel = request("CANCEL")
        #expect(layer.inviteTransaction(cancelledBy: cancel) == invite)
        #expect(layer.inviteTransaction(cancelledBy: request("CANCEL", branch: "z9hG4bK-other")) == nil)
        layer.respondToCancelledInvite(cancel, response(487, to: invite))
        #expect(rec.sent.last?.1.response?.statusCode == 487)
    }

    @Test func anRFC2543RequestGetsATransactionItsRetransmissionsFind() {
        let clock = FakeScheduler(), rec = Recorder(), layer = makeLayer(clock, rec)
        let old = request("OPTIONS", branch: "old2543")
        guard case .new(let handle) = layer.receive(old, from: FakePeer(isReliable: false)) else {
            Issue.record("an RFC 2543 request (no z9hG4bK branch) is a new transaction"); return
        }
        handle.respond(response(200, to: old))
        guard case .absorbed = layer.receive(old, from: FakePeer(isReliable: false)) else {
            Issue.record("its retransmission is matched by Request-URI, From tag, Call-ID, CSeq and top Via"); return
        }
        #expect(rec.sent.map { $0.1.response?.statusCode } == [200, 200], "the retransmission gets the 200 again")
    }

    @Test func aReusedBranchWithAnotherCallIDIsANewRequest() {
        let clock = FakeScheduler(), rec = Recorder(), layer = makeLayer(clock, rec)
        _ = layer.receive(request("REGISTER"), from: FakePeer(isReliable: false))
        let text = "REGISTER sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-abc\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\n"
            + "Call-ID: call-2\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n"
        guard case .new = layer.receive(try! SIPRequest(datagram: Array(text.utf8)), from: FakePeer(isReliable: false)) else {
            Issue.record("RFC 4475 reuses branches across its messages: each is its own request"); return
        }
    }
}
