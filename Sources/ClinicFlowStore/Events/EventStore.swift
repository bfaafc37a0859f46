import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

public enum AppendOutcome: Sendable, Equatable {
    case appended(position: Int64)
    /// An event with the same idempotency key was already stored; nothing changed.
    case duplicate(existingPosition: Int64)

    public var position: Int64 {
        switch self {
        case .appended(let position), .duplicate(let position): position
        }
    }
}

/// The append-only `events` table. Appends are idempotent on `idempotency_key`.
public struct EventStore: Sendable {
    public let store: Store
    private let clock: @Sendable () -> Date

    public init(store: Store, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clock = clock
    }

    /// Appends `draft` unless its idempotency key is already stored. Pass `database` to append
    /// inside the caller's transaction, so the event commits with the change it records.
    @discardableResult
    public func append(_ draft: EventDraft, on database: (any Database)? = nil) async throws -> AppendOutcome {
        // Events held back in this transaction come first: positions follow the order of appends.
        try await database?.flushDeferredInserts()
        let sql = (database ?? store.db).sql
        let inserted = try await Self.insert.bind(values(of: draft), on: sql).changes(rowIDColumn: "id")
        // Other processes' live feeds are woken by the table's trigger on PostgreSQL (M015).
        if inserted.count == 1, let position = inserted.lastInsertedRowID { return .appended(position: position) }
        guard let existing = try await sql.select().column("id").from("events")
            .where("idempotency_key", .equal, draft.idempotencyKey)
            .first(decodingColumn: "id", as: Int64.self)
        else {
            throw StoreError.unexpectedResult("event insert ignored but no event holds its idempotency key")
        }
        return .duplicate(existingPosition: existing)
    }

    /// Appends `draft` inside `transaction` unless its idempotency key is already stored, for a
    /// caller that need not know which. On SQLite the transaction holds it back and writes it with
    /// the others in one statement (before it commits, or before anything here reads or appends at
    /// once): a lead's intake records about ten events, and each was a statement of its own.
    public func appendLater(_ draft: EventDraft, on transaction: any Database) async throws {
        guard let deferred = transaction.deferredInserts else {
            try await append(draft, on: transaction)
            return
        }
        deferred.add(values(of: draft), with: Self.insertRows)
    }

    /// Appends several events atomically: all of them or none.
    public func append(contentsOf drafts: [EventDraft], on database: (any Database)? = nil) async throws -> [AppendOutcome] {
        try await (database ?? store.db).withTransaction { transaction in
            var outcomes: [AppendOutcome] = []
            for draft in drafts { outcomes.append(try await append(draft, on: transaction)) }
            return outcomes
        }
    }

    /// The newest event's position (0 when there is none): where a live feed starts.
    public func latestPosition(on database: (any Database)? = nil) async throws -> Int64 {
        try await database?.flushDeferredInserts()
        return try await (database ?? store.db).sql.select().column(SQLFunction("MAX", args: SQLIdentifier("id")), as: "p").from("events")
            .first(decodingColumn: "p", as: Int64?.self).flatMap { $0 } ?? 0
    }

    /// Every event of one stream, oldest first.
    public func events(inStream stream: String, on database: (any Database)? = nil) async throws -> [RecordedEvent] {
        try await selectEvents(on: database)
            .where("stream", .equal, stream)
            .orderBy("id")
            .all()
            .map(RecordedEvent.init(row:))
    }

    /// Events after `position`, oldest first: for live feeds and catch-up after a reconnect.
    public func events(
        after position: Int64, clinicID: UUID? = nil, limit: Int = 500, on database: (any Database)? = nil
    ) async throws -> [RecordedEvent] {
        var query = try await selectEvents(on: database).where("id", .greaterThan, position)
        if let clinicID { query = query.where("clinic_id", .equal, clinicID) }
        return try await query.orderBy("id").limit(limit).all().map(RecordedEvent.init(row:))
    }

    /// Events of several streams (a contact and the contacts merged into it), newest first.
    public func events(inStreams streams: [String], limit: Int, offset: Int, on database: (any Database)? = nil) async throws -> [RecordedEvent] {
        guard !streams.isEmpty else { return [] }
        return try await selectEvents(on: database)
            .where("stream", .in, streams)
            .orderBy("id", .descending)
            .limit(limit)
            .offset(offset)
            .all()
            .map(RecordedEvent.init(row:))
    }

    public func event(idempotencyKey: String, on database: (any Database)? = nil) async throws -> RecordedEvent? {
        try await selectEvents(on: database)
            .where("idempotency_key", .equal, idempotencyKey)
            .first()
            .map(RecordedEvent.init(row:))
    }

    private static let insertColumns = ColumnList([
        "idempotency_key", "clinic_id", "stream", "type", "payload", "occurred_at", "recorded_at", "correlation_id", "causation_id",
    ])
    private static let selectColumns = ColumnList(["id"] + insertColumns.names)
    /// The statement every event is written with (about eleven per lead): its text is written once.
    private static let insert = FixedStatement(arity: insertColumns.names.count) { sql, values in
        sql.insert(into: "events").columns(insertColumns).values(values).ignoringConflicts(with: ["idempotency_key"]).queryReturningOnPostgres("id")
    }
    /// Events a transaction held back (`appendLater`), several rows a statement. On SQLite as `INSERT
    /// OR IGNORE` (`SQLiteInsertOrIgnore`): `events` has no foreign keys, and every required column
    /// comes from a non-optional field of `EventDraft`, so the idempotency key is all that can skip a row.
    private static let insertRows = FixedInsert(columns: insertColumns.names.count) { sql, rows in
        let insert = rows.reduce(sql.insert(into: "events").columns(insertColumns)) { $0.values($1) }
        return sql.isPostgres ? insert.ignoringConflicts(with: ["idempotency_key"]).query : SQLiteInsertOrIgnore(insert: insert.query)
    }

    private func selectEvents(on database: (any Database)?) async throws -> SQLSelectBuilder {
        try await database?.flushDeferredInserts()
        return (database ?? store.db).sql.select().column(Self.selectColumns).from("events")
    }

    private func values(of draft: EventDraft) -> [any Encodable & Sendable] {
        [
            draft.idempotencyKey, draft.clinicID, draft.stream, draft.type, String(decoding: draft.payload, as: UTF8.self),
            draft.occurredAt, clock(), draft.correlationID, draft.causationID,
        ]
    }
}

extension RecordedEvent {
    init(row: any SQLRow) throws {
        self.init(
            position: try row.decode(column: "id", as: Int64.self),
            clinicID: try row.decode(column: "clinic_id", as: UUID?.self),
            stream: try row.decode(column: "stream", as: String.self),
            type: try row.decode(column: "type", as: String.self),
            payload: Data(try row.decode(column: "payload", as: String.self).utf8),
            occurredAt: try row.decode(column: "occurred_at", as: Date.self),
            recordedAt: try row.decode(column: "recorded_at", as: Date.self),
            correlationID: try row.decode(column: "correlation_id", as: String?.self),
            causationID: try row.decode(column: "causation_id", as: String?.self),
            idempotencyKey: try row.decode(column: "idempotency_key", as: String.self)
        )
    }
}
