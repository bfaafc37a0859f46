import Foundation
import Logging
import FluentPostgresDriver
import Synchronization

/// The NOTIFY channels ClinicFlow uses on PostgreSQL.
public enum ChangeChannels {
    public static let events = "clinicflow_events"
    public static let jobs = "clinicflow_jobs"
}

/// LISTENs on a connection of its own for what other processes (and this one) commit: new events
/// wake the live feeds, new jobs wake the workers. Reconnects after a failure; polling still runs
/// underneath, so a lost notification only costs latency.
public final class ChangeListener: Sendable {
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let task = Mutex<Task<Void, Never>?>(nil)

    public init?(store: Store) {
        guard let configuration = store.postgresConnection else { return nil }
        self.configuration = configuration
        self.logger = store.logger
    }

    /// Starts listening; `onEvents` and `onJobs` are called for each notification.
    public func start(onEvents: @escaping @Sendable () -> Void, onJobs: @escaping @Sendable () -> Void) {
        let configuration = configuration, logger = logger
        let running = Task {
            var attempt = 0
            while !Task.isCancelled {
                do {
                    let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
                    attempt = 0
                    do {
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            for (channel, wake) in [(ChangeChannels.events, onEvents), (ChangeChannels.jobs, onJobs)] {
                                group.addTask {
                                    try await connection.listen(on: channel) { notifications in
                                        for try await _ in notifications { wake() }
                                    }
                                }
                            }
                            try await group.next()
                            group.cancelAll()
                        }
                    } catch {
                        try? await connection.close()
                        throw error
                    }
                    try? await connection.close()
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("change listener lost its connection; polling meanwhile", metadata: ["error_type": "\(type(of: error))"])
                }
                attempt += 1
                try? await Task.sleep(for: .milliseconds(min(5000, 200 * attempt)))
            }
        }
        task.withLock { $0 = running }
    }

    public func stop() {
        task.withLock { task in
            task?.cancel()
            task = nil
        }
    }
}
