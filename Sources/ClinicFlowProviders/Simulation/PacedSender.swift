import Foundation
import NIOCore
import NIOPosix

/// Sends prepared HTTP/1.1 requests at a fixed rate over keep-alive connections, for load tests
/// that share the machine with the server they measure. Every request is encoded before the clock
/// starts, and sending one costs a write and reading a status line and a length, on one thread:
/// an HTTP client library's per-request work (a task, a deadline timer, header objects) took a
/// third of a core at 700 requests a second, which the server then lacked.
///
/// Plain `http` only. One request in flight per connection; connections open as the rate needs
/// them, up to `connections`. Latency counts from when a request was due, not when a connection
/// was free to send it, so a server that falls behind shows as late rather than hiding it.
public enum PacedSender {
    public struct Report: Sendable {
        public var ok = 0
        public var failed = 0
        /// Responses by status code; requests without one (connection refused or lost) are only in `failed`.
        public var statuses: [UInt: Int] = [:]
        /// Milliseconds from each request's due time to its whole response, for answered requests.
        public var latencies: [Double] = []
        /// Seconds from the first request's due time to the last response.
        public var elapsed: Double = 0

        public init() {}

        /// A request answered with `status` after `milliseconds`, or lost (`status` nil).
        public mutating func record(status: UInt?, milliseconds: Double?) {
            guard let status else { failed += 1; return }
            statuses[status, default: 0] += 1
            if (200..<300).contains(status) { ok += 1 } else { failed += 1 }
            if let milliseconds { latencies.append(milliseconds) }
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// A request's bytes as sent: request line, `Host`, the headers, `Content-Length`, the body.
    public static func encode(method: String = "POST", path: String, host: String, headers: [(String, String)], body: [UInt8]) -> ByteBuffer {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        var buffer = ByteBufferAllocator().buffer(capacity: head.utf8.count + body.count)
        buffer.writeString(head)
        buffer.writeBytes(body)
        return buffer
    }

    /// Sends `requests` to `host`:`port`, request `i` due `i / rate` seconds after the start.
    public static func send(_ requests: [ByteBuffer], host: String, port: Int, rate: Double, connections: Int) async throws -> Report {
        guard rate > 0, connections > 0 else { throw Failure(description: "rate and connections must be positive") }
        guard !requests.isEmpty else { return Report() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let run = PacedRun(requests: requests, host: host, port: port, rate: rate, maxConnections: connections, loop: group.next())
        do {
            let report = try await run.start()
            try? await group.shutdownGracefully()
            return report
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }
}

/// One run's state, touched only on its event loop.
private final class PacedRun: @unchecked Sendable {
    let requests: [ByteBuffer]
    let host: String
    let port: Int
    let rate: Double
    let maxConnections: Int
    let loop: any EventLoop
    let promise: EventLoopPromise<PacedSender.Report>

    var report = PacedSender.Report()
    var start = NIODeadline.now()
    var nextDue = 0
    var pending: [Int] = []
    var pendingHead = 0
    var idle: [PacedConnection] = []
    var connecting = 0
    var finished = 0
    var ticker: RepeatedTask?
    /// The open connections.
    var all: [ObjectIdentifier: PacedConnection] = [:]
    /// The last connection error, reported if nothing could be sent at all.
    var lastError: (any Error)?

    init(requests: [ByteBuffer], host: String, port: Int, rate: Double, maxConnections: Int, loop: any EventLoop) {
        (self.requests, self.host, self.port, self.rate, self.maxConnections, self.loop) = (requests, host, port, rate, maxConnections, loop)
        self.promise = loop.makePromise()
    }

    func start() async throws -> PacedSender.Report {
        loop.execute {
            self.start = .now()
            // Every millisecond: queue what has come due, then hand it to free connections.
            self.ticker = self.loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { _ in self.tick() }
        }
        return try await promise.futureResult.get()
    }

    func due(_ index: Int) -> NIODeadline { start + .nanoseconds(Int64(Double(index) / rate * 1e9)) }

    func tick() {
        let elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1e9
        let dueNow = min(requests.count, Int(elapsed * rate) + 1)
        while nextDue < dueNow {
            pending.append(nextDue)
            nextDue += 1
        }
        dispatch()
    }

    func dispatch() {
        while pendingHead < pending.count, let connection = idle.popLast() {
            connection.send(pending[pendingHead])
            pendingHead += 1
        }
        if pendingHead > 4096 {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
        // Open another connection for each request still waiting, within the limit.
        while pending.count - pendingHead > connecting, all.count + connecting < maxConnections {
            connect()
        }
    }

    func connect() {
        connecting += 1
        ClientBootstrap(group: loop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(3))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = PacedConnection(run: self, channel: channel)
                    try channel.pipeline.syncOperations.addHandler(connection)
                }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                self.connecting -= 1
                switch result {
                case .success(let channel):
                    guard let connection = try? channel.pipeline.syncOperations.handler(type: PacedConnection.self) else { return }
                    self.all[ObjectIdentifier(connection)] = connection
                    self.idle.append(connection)
                case .failure(let error):
                    // The request waiting for this connection fails; later ones try again.
                    self.lastError = error
                    if self.pendingHead < self.pending.count {
                        self.pendingHead += 1
                        self.completed(nil)
                    }
                }
                self.dispatch()
            }
    }

    /// A request answered (`status`) or lost (nil).
    func completed(_ status: UInt?, index: Int? = nil) {
        report.record(status: status, milliseconds: index.map { Double((NIODeadline.now() - due($0)).nanoseconds) / 1e6 })
        finished += 1
        guard finished == requests.count else { return }
        ticker?.cancel()
        report.elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1e9
        for connection in all.values { connection.close() }
        if report.ok == 0, report.statuses.isEmpty, let lastError {
            promise.fail(PacedSender.Failure(description: "no request was answered: \(lastError)"))
        } else {
            promise.succeed(report)
        }
    }

    func becameIdle(_ connection: PacedConnection) {
        idle.append(connection)
        dispatch()
    }

    func closed(_ connection: PacedConnection, inFlight: Int?) {
        guard all.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return }
        idle.removeAll { $0 === connection }
        if inFlight != nil { completed(nil) }
        if finished < requests.count { dispatch() }
    }
}

/// One keep-alive connection: writes a prepared request, reads its response's status and length.
private final class PacedConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    // Strong: the run keeps its open connections (`all`) and lets each go when it closes.
    let run: PacedRun
    let channel: any Channel
    var inFlight: Int?
    var received = ByteBuffer()
    var closing = false

    init(run: PacedRun, channel: any Channel) {
        self.run = run
        self.channel = channel
    }

    func send(_ index: Int) {
        inFlight = index
        channel.writeAndFlush(run.requests[index], promise: nil)
    }

    func close() {
        closing = true
        channel.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
        while let (status, keepAlive) = nextResponse() {
            let index = inFlight
            inFlight = nil
            run.completed(status, index: index)
            if !keepAlive {
                context.close(promise: nil)
                return
            }
            if !closing { run.becameIdle(self) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        run.closed(self, inFlight: inFlight)
        inFlight = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// A whole response at the front of `received`, consumed: its status and whether the connection stays open.
    private func nextResponse() -> (UInt, keepAlive: Bool)? {
        let view = received.readableBytesView
        guard let headEnd = view.firstRange(of: [13, 10, 13, 10]) else { return nil }
        let head = String(decoding: view[view.startIndex..<headEnd.lowerBound], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1."), statusLine.count >= 12,
            let status = UInt(statusLine.dropFirst(9).prefix(3))
        else {
            received.clear()
            close()
            return nil
        }
        var length = 0
        var keepAlive = !statusLine.hasPrefix("HTTP/1.0")
        var chunked = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces).lowercased()
            switch name {
            case "content-length": length = Int(value) ?? 0
            case "connection": keepAlive = value != "close"
            case "transfer-encoding": chunked = value.contains("chunked")
            default: break
            }
        }
        let bodyStart = headEnd.upperBound - view.startIndex
        if chunked {
            // Small bodies only: the whole chunked body ends with an empty chunk.
            let rest = view[headEnd.upperBound...]
            guard let end = rest.firstRange(of: Array("0\r\n\r\n".utf8)) else { return nil }
            received.moveReaderIndex(forwardBy: end.upperBound - view.startIndex)
        } else {
            guard view.count >= bodyStart + length else { return nil }
            received.moveReaderIndex(forwardBy: bodyStart + length)
        }
        received.discardReadBytes()
        return (status, keepAlive)
    }
}
