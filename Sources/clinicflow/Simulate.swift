import ArgumentParser
import AsyncHTTPClient
import ClinicFlowDomain
import ClinicFlowProviders
import Foundation
import NIOCore
import Synchronization

/// `clinicflow simulate`: realistic, correctly signed webhooks for demos and load tests.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send realistic signed webhooks to a channel (demos, load tests), or write them as a wrk script.",
        discussion: """
            Examples:
              clinicflow simulate --provider meta --url http://localhost:8080/hooks/meta/<channel id> --secret <app secret> --rate 5 --duration 30
              clinicflow simulate --provider meta --url http://localhost:8080/hooks/meta/<id> --secret s --wrk-script meta.lua --count 50000
            """
    )

    @Option(help: "One of: \(SignedWebhook.simulatedProviders.map(\.rawValue).joined(separator: ", ")).")
    var provider: String = "meta"

    @Option(help: "The channel's webhook URL, e.g. http://localhost:8080/hooks/meta/<channel id>.")
    var url: String

    @Option(help: "The channel's signing secret (Meta app secret, form API key, Cal.com/Chatwoot/Stripe webhook secret).")
    var secret: String

    @Option(help: "Webhooks per second.")
    var rate: Double = 10

    @Option(help: "Seconds to keep sending.")
    var duration: Double = 10

    @Option(help: "Most requests in flight at once.")
    var concurrency: Int = 64

    @Option(help: "Seed: the same seed sends the same people and message ids (a re-run is all duplicates).")
    var seed: UInt64 = UInt64(Date().timeIntervalSince1970)

    @Option(help: "How many people write: with N, request i comes from person i mod N, so conversations go on (returning patients). By default each request is a new person.")
    var people: Int?

    @Option(help: "Write a wrk Lua script with pre-signed requests to this file instead of sending.")
    var wrkScript: String?

    @Option(help: "Requests in the wrk script.")
    var count: Int = 20_000

    func validate() throws {
        guard let provider = Provider(rawValue: provider), SignedWebhook.simulatedProviders.contains(provider) else {
            throw ValidationError("--provider must be one of \(SignedWebhook.simulatedProviders.map(\.rawValue).joined(separator: ", "))")
        }
        guard URL(string: url)?.host != nil else { throw ValidationError("--url must be an absolute http(s) URL") }
        guard rate > 0, duration > 0, concurrency > 0, count > 0, (people ?? 1) > 0 else {
            throw ValidationError("--rate, --duration, --concurrency, --count and --people must be positive")
        }
    }

    func run() async throws {
        let provider = Provider(rawValue: provider)!
        if let wrkScript {
            try WrkScript.write(provider: provider, secret: secret, count: count, people: people, seed: seed, to: wrkScript)
            print("wrote \(count) signed \(provider.rawValue) requests to \(wrkScript); run: wrk -s \(wrkScript) \(url)")
            return
        }
        let total = Int(rate * duration)
        if let target = URLComponents(string: url), target.scheme == "http", let host = target.host {
            let path = (target.percentEncodedPath.isEmpty ? "/" : target.percentEncodedPath) + (target.percentEncodedQuery.map { "?\($0)" } ?? "")
            try await sendPrepared(total, of: provider, host: host, port: target.port ?? 80, path: path)
            return
        }
        let results = Tally()
        let url = self.url
        // The shared client keeps retrying a refused connection until the request's deadline: a
        // stopped server cost 30 s per webhook. A server that is up accepts within milliseconds.
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout.connect = .seconds(3)
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let start = ContinuousClock.now
        do {
            try await send(total, of: provider, through: client, to: url, results: results, start: start)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var summary = results.snapshot
        summary.elapsed = seconds
        print(Self.summary(summary, total: total, provider: provider, from: "sent"))
        if summary.failed > 0 { throw ExitCode(1) }
    }

    /// What the run did, for people and for the benchmark scripts (which read its first line).
    static func summary(_ report: PacedSender.Report, total: Int, provider: Provider, from origin: String) -> String {
        let sorted = report.latencies.sorted()
        func quantile(_ q: Double) -> String {
            sorted.isEmpty ? "-" : String(format: "%.1f", sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))])
        }
        return """
            sent \(total) \(provider.rawValue) webhooks in \(String(format: "%.1f", report.elapsed)) s: \(report.ok) accepted, \(report.failed) failed
            statuses: \(report.statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))
            latency ms (from when each was \(origin)): p50 \(quantile(0.5)), p99 \(quantile(0.99)), max \(sorted.last.map { String(format: "%.1f", $0) } ?? "-")
            """
    }

    /// Plain HTTP: every webhook signed first, then sent by `PacedSender`, which costs the machine
    /// far less per request than an HTTP client library (the server measured shares its cores).
    private func sendPrepared(_ total: Int, of provider: Provider, host: String, port: Int, path: String) async throws {
        let now = Date()
        let hostHeader = port == 80 ? host : "\(host):\(port)"
        let requests = try (0..<total).map { index in
            let webhook = try SignedWebhook.simulated(provider, index: index, people: people, secret: secret, now: now, seed: seed)
            return PacedSender.encode(path: path, host: hostHeader, headers: webhook.headers, body: webhook.body)
        }
        let report = try await PacedSender.send(requests, host: host, port: port, rate: rate, connections: concurrency)
        print(Self.summary(report, total: total, provider: provider, from: "due"))
        if report.failed > 0 { throw ExitCode(1) }
    }

    /// Posts `total` signed webhooks at `rate` from `start`, at most `concurrency` in flight.
    private func send(_ total: Int, of provider: Provider, through client: HTTPClient, to url: String, results: Tally, start: ContinuousClock.Instant) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for index in 0..<total {
                try await ContinuousClock().sleep(until: start + .seconds(Double(index) / rate))
                if inFlight >= concurrency {
                    try await group.next()
                    inFlight -= 1
                }
                let webhook = try SignedWebhook.simulated(provider, index: index, people: people, secret: secret, seed: seed)
                inFlight += 1
                group.addTask {
                    var request = HTTPClientRequest(url: url)
                    request.method = .POST
                    for (name, value) in webhook.headers { request.headers.add(name: name, value: value) }
                    request.body = .bytes(ByteBuffer(bytes: webhook.body))
                    let sent = ContinuousClock.now
                    do {
                        let response = try await client.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 20)
                        let elapsed = ContinuousClock.now - sent
                        results.record(status: response.status.code, milliseconds: Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
                    } catch {
                        results.record(status: nil, milliseconds: nil)
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}

/// The library client's tally: its requests finish on many tasks at once.
final class Tally: Sendable {
    private let state = Mutex(PacedSender.Report())

    func record(status: UInt?, milliseconds: Double?) {
        state.withLock { $0.record(status: status, milliseconds: milliseconds) }
    }

    var snapshot: PacedSender.Report { state.withLock { $0 } }
}

/// Pre-signed requests for wrk, which cannot compute HMACs itself. The requests go to a data file
/// (`<script>.requests`: a line of header names, then one line per request with the header values and
/// the body, tab-separated) that the script reads at start; each of wrk's two threads sends its own half.
enum WrkScript {
    static func write(provider: Provider, secret: String, count: Int, people: Int?, seed: UInt64, to path: String) throws {
        let now = Date()
        var data = ""
        for index in 0..<count {
            let webhook = try SignedWebhook.simulated(provider, index: index, people: people, secret: secret, now: now, seed: seed)
            if index == 0 { data += webhook.headers.map(\.0).joined(separator: "\t") + "\n" }
            // Compact JSON has no raw tabs or newlines, so one line holds one request.
            data += webhook.headers.map(\.1).joined(separator: "\t") + "\t" + String(decoding: webhook.body, as: UTF8.self) + "\n"
        }
        let dataPath = path + ".requests"
        try data.write(toFile: dataPath, atomically: true, encoding: .utf8)
        let lua = """
            -- generated by clinicflow simulate: \(count) signed \(provider.rawValue) webhooks in \(dataPath)
            local requests = {}
            local counter = 0
            local threadCount = 0
            offset = 0

            local function split(line)
              local fields = {}
              for field in (line .. "\\t"):gmatch("([^\\t]*)\\t") do table.insert(fields, field) end
              return fields
            end

            function setup(thread)
              thread:set("offset", threadCount)
              threadCount = threadCount + 1
            end

            -- Each thread formats its share of the requests once, at start (even lines for the first
            -- thread, odd for the second: the benchmark scripts run wrk -t2), so that sending one costs
            -- wrk next to nothing: wrk shares the machine with the server it measures.
            function init(args)
              local file = assert(io.open("\(dataPath)", "r"))
              local names = split(file:read("*l"))
              local index = 0
              for line in file:lines() do
                if index % 2 == offset % 2 then
                  local fields = split(line)
                  local headers = {}
                  for i, name in ipairs(names) do headers[name] = fields[i] end
                  table.insert(requests, wrk.format("POST", nil, headers, fields[#names + 1]))
                end
                index = index + 1
              end
              file:close()
            end

            function request()
              counter = counter % #requests + 1
              return requests[counter]
            end

            """
        try lua.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
