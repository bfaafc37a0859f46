import ClinicFlowDomain
@testable import ClinicFlowStore
import ClinicFlowTestSupport
import FluentKit
import Foundation
import SQLKit
import Synchronization
import Testing

/// Events appended "later" in a transaction: held back on SQLite and written together, with the
/// same result as appending each at once.
@Suite struct DeferredEventsTests {
    struct Rollback: Error {}

    private func draft(_ key: String, stream: String = "s") -> EventDraft {
        EventDraft(stream: stream, type: "t", payload: Data(#"{"k":"\#(key)"}"#.utf8), idempotencyKey: key)
    }

    /// Rows in `events` as the transaction's own connection sees them, without flushing anything.
    private func rawCount(_ database: any Database) async throws -> Int {
        try await database.sql.raw("SELECT COUNT(*) AS n FROM events").first(decodingColumn: "n", as: Int.self) ?? -1
    }

    @Test(arguments: TestDatabase.available)
    func heldBackEventsCommitInTheOrderTheyWereAppendedAmongImmediateOnes(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let events = EventStore(store: store)
            try await events.append(draft("before"))
            try await store.db.withTransaction { transaction in
                try await events.appendLater(draft("a"), on: transaction)
                try await events.appendLater(draft("b"), on: transaction)
                // SQLite holds them back; elsewhere each is written at once.
                #expect(try await rawCount(transaction) == (database == .sqlite ? 1 : 3))
                // Appending at once writes what was held back first, so positions keep the order.
                let c = try await events.append(draft("c"), on: transaction)
                guard case .appended = c else { Issue.record("c was \(c)"); return }
                try await events.appendLater(draft("d"), on: transaction)
                try await events.appendLater(draft("before"), on: transaction)   // already stored: ignored
                try await events.appendLater(draft("d"), on: transaction)        // twice in one batch: once
                try await events.appendLater(draft("e", stream: "other"), on: transaction)
            }
            let stored = try await events.events(after: 0)
            #expect(stored.map(\.idempotencyKey) == ["before", "a", "b", "c", "d", "e"])
            #expect(stored.map(\.position) == stored.map(\.position).sorted())
            #expect(stored.map { String(decoding: $0.payload, as: UTF8.self) }[1] == #"{"k":"a"}"#)
            #expect(stored.last?.stream == "other")
        }
    }

    @Test(arguments: TestDatabase.available)
    func readsInTheTransactionSeeHeldBackEventsAndARollbackDropsThem(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let events = EventStore(store: store)
            await #expect(throws: Rollback.self) {
                try await store.db.withTransaction { transaction in
                    try await events.appendLater(draft("a"), on: transaction)
                    #expect(try await events.event(idempotencyKey: "a", on: transaction)?.stream == "s")
                    try await events.appendLater(draft("b"), on: transaction)
                    #expect(try await events.events(inStream: "s", on: transaction).map(\.idempotencyKey) == ["a", "b"])
                    try await events.appendLater(draft("c"), on: transaction)
                    #expect(try await events.latestPosition(on: transaction) > 0)
                    #expect(try await rawCount(transaction) == 3)
                    try await events.appendLater(draft("held"), on: transaction)
                    throw Rollback()
                }
            }
            let remaining = try await events.events(after: 0)
            #expect(remaining.isEmpty)
        }
    }

    /// A batch's items in savepoints: an item rolled back takes its held-back events with it, also
    /// when an append at once had written earlier items' events inside its savepoint.
    @Test(arguments: TestDatabase.available)
    func anItemRolledBackInABatchLosesOnlyItsOwnEvents(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let events = EventStore(store: store)
            let failed = try await store.db.withTransaction { transaction in
                try await transaction.eachInSavepoint([1, 2, 3, 4]) { item in
                    try await events.appendLater(draft("\(item)-held"), on: transaction)
                    if item == 2 {
                        // Writes item 1's held-back event inside item 2's savepoint, then fails.
                        try await events.append(draft("2-now"), on: transaction)
                        throw Rollback()
                    }
                    if item == 4 { throw Rollback() }
                }
                .map(\.item)
            }
            #expect(failed == [2, 4])
            #expect(try await events.events(after: 0).map(\.idempotencyKey) == ["1-held", "3-held"])
        }
    }

    /// A batch in one transaction: all together when every item goes through; when one throws,
    /// again each in a savepoint, so only that one is lost (and one that failed only the first time
    /// goes through the second).
    @Test(arguments: TestDatabase.available)
    func aBatchInOneTransactionLosesOnlyTheItemThatKeepsFailing(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let events = EventStore(store: store)
            let allThrough = try await store.db.eachInOneTransaction([1, 2, 3]) { item, transaction in
                try await events.appendLater(draft("a-\(item)"), on: transaction)
            }
            #expect(allThrough.isEmpty)

            let firstTries = Mutex<Set<Int>>([])
            let failed = try await store.db.eachInOneTransaction([1, 2, 3, 4]) { item, transaction in
                try await events.appendLater(draft("b-\(item)"), on: transaction)
                try await events.append(draft("b-\(item)-now"), on: transaction)
                // Item 1 fails once only (the first run, all together): the run with savepoints takes it.
                if item == 1, firstTries.withLock({ $0.insert(item).inserted }) { throw Rollback() }
                if item == 2 { throw Rollback() }
            }
            #expect(failed.map(\.item) == [2])
            #expect(try await events.events(after: 0).map(\.idempotencyKey) == [
                "a-1", "a-2", "a-3", "b-1", "b-1-now", "b-3", "b-3-now", "b-4", "b-4-now",
            ])
        }
    }

    @Test(arguments: TestDatabase.available)
    func outsideATransactionAnEventIsWrittenAtOnce(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let events = EventStore(store: store)
            try await events.appendLater(draft("a"), on: store.db)
            #expect(try await rawCount(store.db) == 1)
        }
    }
}
