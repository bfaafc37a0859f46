import ClinicFlowDomain
import Foundation
import NIOCore
import Synchronization
import Vapor

/// The open live feeds: on shutdown they are told to end, and the store closes only after they have.
final class ConsoleFeeds: LifecycleHandler, Sendable {
    private let state = Mutex((closed: false, active: 0))

    /// False once the application is stopping.
    func enter() -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.active += 1
            return true
        }
    }

    func leave() { state.withLock { $0.active -= 1 } }

    var isClosed: Bool { state.withLock { $0.closed } }

    func shutdownAsync(_ application: Application) async {
        state.withLock { $0.closed = true }
        for _ in 0..<50 where state.withLock({ $0.active }) > 0 {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// The console's live feed: Server-Sent Events with the clinic's new events (type and stream only;
/// the page fetches what changed). It reads the event store, so webhooks, the assistant, other users
/// and other processes all show up. A browser that reconnects sends `Last-Event-ID` and misses nothing.
struct ConsoleFeed {
    let services: ClinicFlowServices
    let feeds: ConsoleFeeds
    /// How often the store is read, and how long one connection lives before the browser reconnects.
    static let interval: Duration = .milliseconds(500)
    static let coalesce: Duration = .milliseconds(100)
    static let lifetime: TimeInterval = 300

    func stream(_ request: Request, clinic: Clinic) async throws -> Response {
        let events = services.engine.events
        let resume = request.headers.first(name: "Last-Event-ID").flatMap(Int64.init) ?? (try? request.query.get(Int64.self, at: "after"))
        let start: Int64
        if let resume { start = resume } else { start = try await events.latestPosition() }
        // `once`: send what is there and end (for scripts and tests).
        let once = (try? request.query.get(Bool.self, at: "once")) ?? false
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "event-stream")
        headers.add(name: .cacheControl, value: "no-store")
        headers.add(name: "X-Accel-Buffering", value: "no")
        let logger = request.logger
        let feeds = self.feeds
        return Response(status: .ok, headers: headers, body: .init(asyncStream: { writer in
            guard feeds.enter() else { return try await writer.write(.end) }
            defer { feeds.leave() }
            var position = start
            let deadline = Date().addingTimeInterval(Self.lifetime)
            var lastWrite = Date()
            do {
                try await writer.write(.buffer(ByteBuffer(string: "retry: 2000\n: connected\n\n")))
                while Date() < deadline, !feeds.isClosed {
                    let batch = try await events.events(after: position, clinicID: clinic.id, limit: 200)
                    var text = ""
                    for event in batch {
                        position = event.position
                        let data = (try? JSONSerialization.data(withJSONObject: ["type": event.type, "stream": event.stream])) ?? Data("{}".utf8)
                        text += "id: \(event.position)\nevent: change\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
                    }
                    if !text.isEmpty {
                        try await writer.write(.buffer(ByteBuffer(string: text)))
                        lastWrite = Date()
                    } else if Date().timeIntervalSince(lastWrite) > 15 {
                        try await writer.write(.buffer(ByteBuffer(string: ": keep-alive\n\n")))  // proxies close silent connections
                        lastWrite = Date()
                    }
                    if once { break }
                    // Woken at once by a commit anywhere (PostgreSQL NOTIFY); otherwise a short poll. The
                    // short pause after a ring batches a burst of commits into one read per feed.
                    await services.changes.wait(upTo: Self.interval)
                    try await Task.sleep(for: Self.coalesce)
                }
                try await writer.write(.end)
            } catch {
                // The browser went away, or the server is stopping.
                logger.debug("console feed closed", metadata: ["error_type": "\(type(of: error))"])
                try? await writer.write(.end)
            }
        }))
    }
}
