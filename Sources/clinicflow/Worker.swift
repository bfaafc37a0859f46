import ArgumentParser
import ClinicFlowWeb
import Dispatch
import Foundation

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run job workers only (no HTTP). Start several on PostgreSQL to scale out."
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Jobs run at the same time (default 4, or $CLINICFLOW_JOB_CONCURRENCY).")
    var concurrency: Int?

    @Flag(help: "Run the jobs that are due now, then exit.")
    var drain = false

    func run() async throws {
        let (config, logger) = try Bootstrap.load(options) { config in
            if let concurrency { config.jobs.worker.concurrency = max(1, concurrency) }
        }
        // A worker never migrates: several may start at once. It refuses an outdated schema instead.
        let services = try await ClinicFlowServices.start(config: config, logger: logger, migrate: false)
        defer { Task { await services.shutdown() } }
        let pending = try await services.store.pendingMigrations()
        guard pending.isEmpty else {
            FileHandleOutput.standardError("the database schema is behind (pending: \(pending.joined(separator: ", "))); run `clinicflow migrate` first\n")
            await services.shutdown()
            throw ExitCode(75)  // EX_TEMPFAIL
        }
        if drain {
            let ran = await services.worker.drain()
            logger.info("drained the queue", metadata: ["jobs": "\(ran)"])
        } else {
            let signals = SignalTrap(on: [SIGINT, SIGTERM]) { services.worker.stop() }
            await services.worker.run()
            signals.cancel()
        }
        await services.shutdown()
    }
}

/// Turns SIGINT/SIGTERM into a graceful stop instead of an abrupt exit.
final class SignalTrap {
    private let sources: [any DispatchSourceSignal]

    init(on signals: [Int32], _ handler: @escaping @Sendable () -> Void) {
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    func cancel() {
        sources.forEach { $0.cancel() }
    }
}
