import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

/// A webhook accepted by the gateway, about to be stored.
public struct NewDelivery: Sendable, Equatable {
    public var id: UUID
    public var clinicID: UUID
    public var channelID: UUID
    public var provider: Provider
    public var dedupeKey: String
    public var eventType: String?
    public var mediaType: String?
    public var body: [UInt8]
    public var correlationID: String?
    public var receivedAt: Date

    public init(
        id: UUID = .timeOrdered(), clinicID: UUID, channelID: UUID, provider: Provider, dedupeKey: String, eventType: String?,
        mediaType: String?, body: [UInt8], correlationID: String?, receivedAt: Date
    ) {
        self.id = id
        self.clinicID = clinicID
        self.channelID = channelID
        self.provider = provider
        self.dedupeKey = dedupeKey
        self.eventType = eventType
        self.mediaType = mediaType
        self.body = body
        self.correlationID = correlationID
        self.receivedAt = receivedAt
    }
}

public enum DeliveryOutcome: Sendable, Equatable {
    case stored(id: UUID)
    /// A retry of a delivery already stored: acknowledged again, processed once.
    case duplicate(existingID: UUID)

    public var id: UUID {
        switch self {
        case .stored(let id), .duplicate(let id): id
        }
    }
}

public enum DeliveryStatus: String, Sendable, Codable {
    case received, processed, failed
}

public struct StoredDelivery: Sendable, Equatable {
    public var id: UUID
    public var clinicID: UUID
    public var channelID: UUID
    public var provider: Provider
    public var dedupeKey: String
    public var eventType: String?
    public var mediaType: String?
    public var body: [UInt8]
    public var correlationID: String?
    public var receivedAt: Date
    public var status: DeliveryStatus
    public var eventCount: Int?
    public var error: String?
}

/// The `deliveries` table: raw webhooks, stored idempotently together with the job that processes them.
public struct DeliveryStore: Sendable {
    public static let normalizeJobKind = "delivery.normalize"
    public static let ingestQueue = "ingest"
    /// Normalising reads stored bytes, so it fails again and again only on a parser bug: a fixed
    /// budget, whatever `max_attempts` says (on SQLite a trigger writes the job; see M013).
    public static let normalizeMaxAttempts = 8

    public let store: Store
    public let queue: JobQueue

    public init(store: Store, queue: JobQueue) {
        self.store = store
        self.queue = queue
    }

    public struct NormalizePayload: Codable, Sendable, Equatable {
        public var deliveryID: UUID
        public init(deliveryID: UUID) { self.deliveryID = deliveryID }
    }

    /// Stores a batch atomically: each new delivery with its normalisation job; retries of
    /// stored deliveries change nothing. One commit for many webhooks is what lets SQLite keep up
    /// with bursts (group commit).
    public func record(_ batch: [NewDelivery]) async throws -> [DeliveryOutcome] {
        try await recordFuture(batch).get()
    }

    /// `record` as a future, for the group-commit batcher: on SQLite the whole batch runs on event
    /// loops, never waiting for a concurrency-pool thread between statements.
    public func recordFuture(_ batch: [NewDelivery]) -> EventLoopFuture<[DeliveryOutcome]> {
        let database = store.db
        guard !batch.isEmpty else { return database.eventLoop.makeSucceededFuture([]) }
        // Within one batch the first of two identical deliveries wins, as across batches.
        var firstSeen: [String: Int] = [:]
        for (index, delivery) in batch.enumerated() where firstSeen[Self.key(delivery)] == nil {
            firstSeen[Self.key(delivery)] = index
        }
        let firstIndex = firstSeen
        let unique = firstIndex.values.sorted().map { batch[$0] }
        let written: EventLoopFuture<BatchResult>
        if let sqlite = database as? DirectSQLiteDatabase {
            written = Self.recordOnSQLite(unique, on: sqlite.connection)
        } else {
            let queue = self.queue
            written = database.eventLoop.makeFutureWithTask {
                try await database.withTransaction { transaction in
                    let inserted = try await Self.insert(unique, on: transaction.sql)
                    let jobs = try unique.filter { inserted.contains($0.id) }.map(Self.normalizeJob(for:))
                    try await queue.enqueue(contentsOf: jobs, on: transaction)
                    let duplicates = unique.filter { !inserted.contains($0.id) }
                    let existing = duplicates.isEmpty ? [:] : try await Self.existingIDs(for: duplicates, on: transaction.sql)
                    return BatchResult(inserted: inserted, existing: existing)
                }
            }
        }
        return written.flatMapThrowing { result in
            try batch.map { delivery in
                let key = Self.key(delivery)
                let winner = batch[firstIndex[key]!]
                if result.inserted.contains(winner.id) {
                    return winner.id == delivery.id ? .stored(id: delivery.id) : .duplicate(existingID: winner.id)
                }
                guard let id = result.existing[key] else {
                    throw StoreError.unexpectedResult("a delivery was neither stored nor found")
                }
                return .duplicate(existingID: id)
            }
        }
    }

    /// The job that turns a stored delivery into events.
    public static func normalizeJob(for delivery: NewDelivery) throws -> JobRequest {
        try JobRequest(
            kind: normalizeJobKind, encoding: NormalizePayload(deliveryID: delivery.id), queue: ingestQueue,
            runAt: delivery.receivedAt, idempotencyKey: "\(normalizeJobKind):\(delivery.id.uuidString)",
            maxAttempts: normalizeMaxAttempts, clinicID: delivery.clinicID, correlationID: delivery.correlationID
        )
    }

    private static func insert(_ deliveries: [NewDelivery], on sql: any SQLDatabase) async throws -> Set<UUID> {
        var insert = sql.insert(into: "deliveries")
            .columns(
                "id", "clinic_id", "channel_id", "provider", "dedupe_key", "event_type", "media_type", "body",
                "correlation_id", "received_at", "status"
            )
        for delivery in deliveries {
            insert = insert.values(
                SQLBind(delivery.id), SQLBind(delivery.clinicID), SQLBind(delivery.channelID),
                SQLBind(delivery.provider.rawValue), SQLBind(delivery.dedupeKey), bindOrNull(delivery.eventType),
                bindOrNull(delivery.mediaType), SQLBind(Data(delivery.body)), bindOrNull(delivery.correlationID),
                SQLBind(delivery.receivedAt), SQLBind(DeliveryStatus.received.rawValue)
            )
        }
        return Set(try await insert
            .ignoringConflicts(with: ["channel_id", "dedupe_key"])
            .returning("id")
            .all(decodingColumn: "id", as: UUID.self))
    }

    public func find(id: UUID, on database: (any Database)? = nil) async throws -> StoredDelivery? {
        try await Self.findByID.bind([id], on: (database ?? store.db).sql).first().map(StoredDelivery.init(row:))
    }

    /// Every normalisation reads its delivery: written once (`FixedStatement`).
    private static let findByID = FixedStatement(arity: 1) { sql, values in
        sql.select()
            .columns(
                "id", "clinic_id", "channel_id", "provider", "dedupe_key", "event_type", "media_type", "body",
                "correlation_id", "received_at", "status", "event_count", "error"
            )
            .from("deliveries")
            .where("id", .equal, values[0])
            .query
    }

    /// Deliveries of one channel, newest first (for the console and tests).
    public func list(channelID: UUID, limit: Int = 100) async throws -> [StoredDelivery] {
        try await store.db.sql.select()
            .columns(
                "id", "clinic_id", "channel_id", "provider", "dedupe_key", "event_type", "media_type", "body",
                "correlation_id", "received_at", "status", "event_count", "error"
            )
            .from("deliveries")
            .where("channel_id", .equal, channelID)
            .orderBy("received_at", .descending)
            .limit(limit)
            .all()
            .map(StoredDelivery.init(row:))
    }

    public func markProcessed(_ id: UUID, eventCount: Int, at date: Date, on database: any Database) async throws {
        try await Self.markProcessed.bind([DeliveryStatus.processed.rawValue, eventCount, date, id], on: database.sql).run()
    }

    /// Every normalisation ends with it: written once (`FixedStatement`).
    private static let markProcessed = FixedStatement(arity: 4) { sql, values in
        sql.update("deliveries").set("status", to: values[0]).set("event_count", to: values[1]).set("error", to: SQLLiteral.null)
            .set("processed_at", to: values[2]).where("id", .equal, values[3]).query
    }

    public func markFailed(_ id: UUID, error: String, at date: Date) async throws {
        try await store.db.sql.update("deliveries")
            .set("status", to: DeliveryStatus.failed.rawValue)
            .set("error", to: JobQueue.truncated(error))
            .set("processed_at", to: date)
            .where("id", .equal, id)
            .run()
    }

    /// Data retention: empties the raw bodies of the clinic's processed deliveries received before
    /// `date`. The row stays, so its dedupe key still turns away a late retry.
    @discardableResult
    public func purgeBodies(clinicID: UUID, receivedBefore date: Date, on database: (any Database)? = nil) async throws -> Int {
        let sql = (database ?? store.db).sql
        func due<Builder: SQLPredicateBuilder>(_ builder: Builder) -> Builder {
            builder.where("clinic_id", .equal, clinicID).where("received_at", .lessThan, date)
                .where("status", .equal, DeliveryStatus.processed.rawValue)
                .where(SQLFunction("COALESCE", args: SQLColumn("event_type"), SQLLiteral.string("")), .notEqual, SQLBind(Self.purged))
        }
        let count = try await due(sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("deliveries"))
            .first(decodingColumn: "n", as: Int.self) ?? 0
        try await due(sql.update("deliveries").set("body", to: SQLBind(Data())).set("event_type", to: Self.purged)).run()
        return count
    }

    /// The event type a delivery shows once its body is purged.
    public static let purged = "purged"

    private static func key(_ delivery: NewDelivery) -> String {
        key(channelID: delivery.channelID, dedupeKey: delivery.dedupeKey)
    }

    /// How a stored delivery is found again among a batch's: `channel|dedupe key`.
    static func key(channelID: UUID, dedupeKey: String) -> String {
        "\(channelID.text())|\(dedupeKey)"
    }

    private static func existingIDs(for deliveries: [NewDelivery], on sql: any SQLDatabase) async throws -> [String: UUID] {
        var out: [String: UUID] = [:]
        for (channelID, group) in Dictionary(grouping: deliveries, by: \.channelID) {
            let rows = try await sql.select()
                .columns("id", "dedupe_key")
                .from("deliveries")
                .where("channel_id", .equal, channelID)
                .where("dedupe_key", .in, group.map(\.dedupeKey))
                .all()
            for row in rows {
                out[key(channelID: channelID, dedupeKey: try row.decode(column: "dedupe_key", as: String.self))] = try row.decode(column: "id", as: UUID.self)
            }
        }
        return out
    }
}

extension StoredDelivery {
    init(row: any SQLRow) throws {
        let provider = try row.decode(column: "provider", as: String.self)
        let status = try row.decode(column: "status", as: String.self)
        guard let parsedProvider = Provider(rawValue: provider), let parsedStatus = DeliveryStatus(rawValue: status) else {
            throw StoreError.unexpectedResult("delivery with provider \(provider), status \(status)")
        }
        self.init(
            id: try row.decode(column: "id", as: UUID.self),
            clinicID: try row.decode(column: "clinic_id", as: UUID.self),
            channelID: try row.decode(column: "channel_id", as: UUID.self),
            provider: parsedProvider,
            dedupeKey: try row.decode(column: "dedupe_key", as: String.self),
            eventType: try row.decode(column: "event_type", as: String?.self),
            mediaType: try row.decode(column: "media_type", as: String?.self),
            body: Array(try row.decode(column: "body", as: Data.self)),
            correlationID: try row.decode(column: "correlation_id", as: String?.self),
            receivedAt: try row.decode(column: "received_at", as: Date.self),
            status: parsedStatus,
            eventCount: try row.decode(column: "event_count", as: Int?.self),
            error: try row.decode(column: "error", as: String?.self)
        )
    }
}
