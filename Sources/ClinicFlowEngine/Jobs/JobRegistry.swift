import ClinicFlowStore
import FluentKit
import Foundation
import Logging
import Synchronization

/// What a job handler gets: the job, a logger carrying the job's ids, and the stores it may write to.
public struct JobContext: Sendable {
    public let job: LeasedJob
    public let logger: Logger
    public let queue: JobQueue
    public let events: EventStore
    let completion = Completion()

    public var store: Store { queue.store }

    /// Marks the job done inside the handler's last transaction, so what the job did and its being
    /// done commit together: a commit less per job. Call it last in that transaction. False when
    /// the lease was lost meanwhile (another worker runs the job now): the handler then throws
    /// `LeaseLostError` to keep nothing this run wrote, or commits anyway what must be kept.
    @discardableResult
    public func complete(on transaction: any Database) async throws -> Bool {
        guard try await queue.complete(job, on: transaction) else { return false }
        completion.recorded.store(true, ordering: .relaxed)
        return true
    }

    /// Whether the handler completed the job itself (`complete(on:)`).
    final class Completion: Sendable {
        let recorded = Atomic<Bool>(false)
    }
}

public typealias JobHandler = @Sendable (JobContext) async throws -> Void

/// Runs several jobs of one kind in one call; returns each job's outcome, in order.
public typealias JobBatchHandler = @Sendable ([JobContext]) async -> [Result<Void, any Error>]

/// Thrown by a handler when retrying cannot help (a payload that will never parse, a deleted
/// record): the job goes to the dead-letter queue at once instead of using up its attempts.
public struct PermanentJobError: Error, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Job kinds and the code that runs them.
public struct JobRegistry: Sendable {
    private var handlers: [String: JobHandler] = [:]
    private var batchHandlers: [String: (limit: Int, handler: JobBatchHandler)] = [:]

    public init() {}

    public var kinds: [String] { handlers.keys.sorted() }

    public mutating func register(_ kind: String, handler: @escaping JobHandler) {
        precondition(handlers[kind] == nil, "job kind \(kind) registered twice")
        handlers[kind] = handler
    }

    /// Registers a handler whose JSON payload is decoded to `Payload`; a payload that does not
    /// decode is a permanent failure.
    public mutating func register<Payload: Decodable & Sendable>(
        _ kind: String,
        payload: Payload.Type,
        handler: @escaping @Sendable (Payload, JobContext) async throws -> Void
    ) {
        register(kind) { context in
            try await handler(try Self.payload(of: context, as: Payload.self, kind: kind), context)
        }
    }

    /// The job's payload; one that does not decode is a permanent failure of that job.
    private static func payload<Payload: Decodable>(of context: JobContext, as type: Payload.Type, kind: String) throws -> Payload {
        do {
            return try context.job.decodePayload(as: type)
        } catch {
            throw PermanentJobError("payload of \(kind) does not decode as \(Payload.self): \(error)")
        }
    }

    /// Lets the worker run up to `limit` due jobs of a registered kind in one call, when it has
    /// several: for work that shares a transaction well. A payload that does not decode fails its
    /// own job permanently; the others run.
    public mutating func registerBatch<Payload: Decodable & Sendable>(
        _ kind: String,
        payload: Payload.Type,
        limit: Int,
        handler: @escaping @Sendable ([(Payload, JobContext)]) async -> [Result<Void, any Error>]
    ) {
        precondition(handlers[kind] != nil, "register job kind \(kind) for one job before its batches")
        precondition(batchHandlers[kind] == nil, "batches of job kind \(kind) registered twice")
        batchHandlers[kind] = (max(2, limit), { contexts in
            // A job the handler gave no outcome for (a bug) is not marked done: it goes to the dead
            // letters, where a replay runs it again.
            var results = [Result<Void, any Error>](repeating: .failure(PermanentJobError("the batch gave this job no outcome")), count: contexts.count)
            var decoded: [(Int, Payload, JobContext)] = []
            for (index, context) in contexts.enumerated() {
                do {
                    decoded.append((index, try Self.payload(of: context, as: Payload.self, kind: kind), context))
                } catch {
                    results[index] = .failure(error)
                }
            }
            let outcomes = await handler(decoded.map { ($0.1, $0.2) })
            for ((index, _, _), outcome) in zip(decoded, outcomes) { results[index] = outcome }
            return results
        })
    }

    /// Adds every handler of `other` (tests and optional modules add theirs this way).
    public mutating func merge(_ other: JobRegistry) {
        for (kind, handler) in other.handlers { register(kind, handler: handler) }
        for (kind, batch) in other.batchHandlers {
            precondition(batchHandlers[kind] == nil, "batches of job kind \(kind) registered twice")
            batchHandlers[kind] = batch
        }
    }

    func handler(for kind: String) -> JobHandler? {
        handlers[kind]
    }

    func batchHandler(for kind: String) -> (limit: Int, handler: JobBatchHandler)? {
        batchHandlers[kind]
    }

}
