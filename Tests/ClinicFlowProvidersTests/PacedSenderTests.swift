import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowTestSupport
import Foundation
import NIOCore
import Synchronization
import Testing
import Vapor

/// The load simulator's sender against a real HTTP server on loopback: every prepared request
/// arrives once and byte for byte, no earlier than due, within the connection limit; statuses,
/// closed connections and a server that is not there are each reported as such.
@Suite struct PacedSenderTests {
    static let secret = "paced-secret"

    func withServer(_ handler: @escaping LoopbackServer.Handler, _ body: (LoopbackServer, Int) async throws -> Void) async throws {
        let server = try await LoopbackServer.start([(.POST, "hooks/meta/x", handler)])
        do {
            let port = try #require(Int(server.baseURL.split(separator: ":").last ?? ""))
            try await body(server, port)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    func webhooks(_ count: Int, extraHeaders: (Int) -> [(String, String)] = { _ in [] }) throws -> [(SignedWebhook, ByteBuffer)] {
        try (0..<count).map { index in
            var webhook = try SignedWebhook.simulated(.meta, index: index, secret: Self.secret, seed: 5)
            webhook.headers += extraHeaders(index)
            return (webhook, PacedSender.encode(path: "/hooks/meta/x", host: "127.0.0.1", headers: webhook.headers, body: webhook.body))
        }
    }

    @Test func everyRequestArrivesOnceAsPreparedAndNoneBeforeItIsDue() async throws {
        try await withServer({ _ in LoopbackServer.json(["ok": true]) }) { server, port in
            let prepared = try webhooks(300)
            let report = try await PacedSender.send(prepared.map(\.1), host: "127.0.0.1", port: port, rate: 1_000, connections: 8)
            #expect(report.ok == 300 && report.failed == 0)
            #expect(report.statuses == [200: 300])
            #expect(report.latencies.count == 300)
            #expect(report.elapsed >= 0.299, "the last request was due 299 ms after the first")

            let received = server.requests
            #expect(received.count == 300)
            #expect(Set(received.map(\.body)) == Set(prepared.map { Data($0.0.body) }), "each body once, unchanged")
            for request in received {
                let signature = try #require(request.header("X-Hub-Signature-256"))
                #expect(signature == "sha256=" + Digest.hmacSHA256Hex(key: Self.secret, message: Array(request.body)), "signed as sent")
                #expect(request.header("Content-Type") == "application/json")
            }
        }
    }

    @Test func statusesAreCountedAndOnlySuccessesAreAccepted() async throws {
        try await withServer({ request in
            request.header("X-Fail") == "1" ? LoopbackServer.json(["error": "busy"], status: .serviceUnavailable) : LoopbackServer.json(["ok": true])
        }) { _, port in
            let prepared = try webhooks(30) { index in index % 3 == 0 ? [("X-Fail", "1")] : [] }
            let report = try await PacedSender.send(prepared.map(\.1), host: "127.0.0.1", port: port, rate: 500, connections: 4)
            #expect(report.ok == 20 && report.failed == 10)
            #expect(report.statuses == [200: 20, 503: 10])
        }
    }

    @Test func aServerClosingEachConnectionStillGetsEveryRequest() async throws {
        try await withServer({ _ in
            let response = LoopbackServer.json(["ok": true])
            response.headers.replaceOrAdd(name: .connection, value: "close")
            return response
        }) { server, port in
            let report = try await PacedSender.send(try webhooks(50).map(\.1), host: "127.0.0.1", port: port, rate: 500, connections: 4)
            #expect(report.ok == 50 && report.failed == 0)
            #expect(server.requests.count == 50)
        }
    }

    @Test func noMoreRequestsInFlightThanConnections() async throws {
        let inFlight = Mutex((now: 0, most: 0))
        try await withServer({ _ in
            inFlight.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
            try await Task.sleep(for: .milliseconds(20))
            inFlight.withLock { $0.now -= 1 }
            return LoopbackServer.json(["ok": true])
        }) { _, port in
            // Due far faster than two connections can answer: the rest wait for a free one.
            let report = try await PacedSender.send(try webhooks(40).map(\.1), host: "127.0.0.1", port: port, rate: 2_000, connections: 2)
            #expect(report.ok == 40)
            #expect(inFlight.withLock { $0.most } <= 2)
            #expect(report.elapsed >= 0.4, "40 answers of 20 ms each, two at a time")
            #expect((report.latencies.max() ?? 0) >= 300, "latency counts from when a request was due, so the wait shows")
        }
    }

    @Test func aServerThatIsNotThereIsAnErrorNotASilentRun() async throws {
        // Port 1 on loopback: connection refused at once.
        await #expect(throws: PacedSender.Failure.self) {
            _ = try await PacedSender.send(try webhooks(3).map(\.1), host: "127.0.0.1", port: 1, rate: 100, connections: 2)
        }
    }

    @Test func requestsAreWrittenAsHTTP11WithTheirLength() throws {
        let bytes = PacedSender.encode(path: "/hooks/meta/x?y=1", host: "127.0.0.1:8080", headers: [("X-A", "b")], body: Array("{}".utf8))
        #expect(String(buffer: bytes) == "POST /hooks/meta/x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-A: b\r\nContent-Length: 2\r\n\r\n{}")
    }
}
