@testable import ClinicFlowStore
import ClinicFlowDomain
import ClinicFlowTestSupport
import Foundation
import SQLKit
import Synchronization
import Testing

/// Clinics, channels and settings are read through a short-lived cache; a process always sees its
/// own writes, and another process's within the cache's lifetime.
@Suite struct RecentReadsTests {
    @Test(arguments: TestDatabase.available)
    func repositoriesSeeTheirOwnWritesAtOnce(_ database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clinics = ClinicRepository(store: store)
            var clinic = try await clinics.create(Clinic(name: "Before", slug: "recent-\(UUID().uuidString.prefix(8).lowercased())"))
            #expect(try await clinics.find(id: clinic.id)?.name == "Before")
            clinic.name = "After"
            try await clinics.update(clinic)
            #expect(try await clinics.find(id: clinic.id)?.name == "After")

            let box = SecretBox(key: [UInt8](repeating: 7, count: 32))
            let scoring = ScoringRepository(store: store, secretBox: box)
            #expect(try await scoring.assistantSettings(clinicID: clinic.id).enabled == AssistantSettings().enabled)
            try await scoring.saveAssistantSettings(AssistantSettings(enabled: !AssistantSettings().enabled), clinicID: clinic.id)
            #expect(try await scoring.assistantSettings(clinicID: clinic.id).enabled == !AssistantSettings().enabled)
            #expect(try await scoring.settings(clinicID: clinic.id).llmAPIKey == nil)
            try await scoring.save(ClinicSettings(), llmAPIKey: "sk-test", clinicID: clinic.id)
            #expect(try await scoring.settings(clinicID: clinic.id).llmAPIKey == "sk-test")

            let channels = ChannelRepository(store: store, secretBox: box)
            var channel = try await channels.create(
                ClinicChannel(clinicID: clinic.id, provider: .meta, name: "WhatsApp"), credentials: ChannelCredentials(["app_secret": "one"])
            )
            #expect(try await channels.find(id: channel.id)?.name == "WhatsApp")
            #expect(try await channels.findWithCredentials(id: channel.id)?.1["app_secret"] == "one")
            channel.name = "WhatsApp 2"
            try await channels.update(channel, credentials: ChannelCredentials(["app_secret": "two"]))
            #expect(try await channels.find(id: channel.id)?.name == "WhatsApp 2")
            #expect(try await channels.findWithCredentials(id: channel.id)?.1["app_secret"] == "two")
            #expect(try await channels.recentList(clinicID: clinic.id).map(\.name) == ["WhatsApp 2"])
            let second = try await channels.create(ClinicChannel(clinicID: clinic.id, provider: .hubspot, name: "CRM"), credentials: ChannelCredentials([:]))
            #expect(try await channels.recentList(clinicID: clinic.id).map(\.id) == [second.id, channel.id], "ordered by name")
            channel.active = false
            try await channels.update(channel)
            #expect(try await channels.recentList(clinicID: clinic.id).first(where: { $0.id == channel.id })?.active == false)
        }
    }

    /// `.recentWillDo`, for transactions that never write what they read: a fresh copy answers
    /// inside them, and what they load is kept like any other read; the default reads through.
    @Test(arguments: TestDatabase.available)
    func aTransactionThatWritesNoneOfItMayUseTheCopies(_ database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let reads = RecentReads<Int, String>()
            let loads = Mutex(0)
            @Sendable func load(_ value: String) -> @Sendable () async throws -> String? { { loads.withLock { $0 += 1 }; return value } }
            let inside = try await store.db.withTransaction { transaction in
                try await reads.value(for: 1, on: transaction, inTransaction: .recentWillDo, load: load("loaded inside"))
            }
            #expect(inside == "loaded inside")
            #expect(try await reads.value(for: 1, load: load("loaded outside")) == "loaded inside", "kept")
            let (recent, readThrough) = try await store.db.withTransaction { transaction in
                (
                    try await reads.value(for: 1, on: transaction, inTransaction: .recentWillDo, load: load("again")),
                    try await reads.value(for: 1, on: transaction, load: load("read through"))
                )
            }
            #expect(recent == "loaded inside", "a fresh copy answers inside the transaction")
            #expect(readThrough == "read through", "the default still reads through")
            #expect(loads.withLock { $0 } == 2)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRowReadInsideARolledBackTransactionIsNotKept(_ database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clinics = ClinicRepository(store: store)
            struct RollBack: Error {}
            let id = UUID()
            let seenInside = Mutex<String?>(nil)
            do {
                try await store.db.withTransaction { transaction in
                    _ = try await clinics.create(Clinic(id: id, name: "Never", slug: "never-\(UUID().uuidString.prefix(8).lowercased())"), on: transaction)
                    let inside = try await clinics.find(id: id, on: transaction)?.name
                    seenInside.withLock { $0 = inside }
                    throw RollBack()
                }
            } catch is RollBack {}
            #expect(seenInside.withLock { $0 } == "Never", "the transaction sees its own write")
            #expect(try await clinics.find(id: id) == nil, "the rolled-back clinic was not cached")
        }
    }

    @Test func aChangeMadeElsewhereShowsOnceTheCopyIsOld() async throws {
        let reads = RecentReads<Int, String>(ttl: .milliseconds(200))
        let stored = Mutex("first")
        func read() async throws -> String? { try await reads.value(for: 1) { stored.withLock { $0 } } }
        #expect(try await read() == "first")
        stored.withLock { $0 = "second" }  // another process's write: nothing here forgets the copy
        #expect(try await read() == "first")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await read() == "second")
    }

    @Test func aReadThatRacedAWriteKeepsNothing() async throws {
        let reads = RecentReads<Int, String>()
        let loads = Mutex(0)
        let (gate, opened) = AsyncStream.makeStream(of: Void.self)
        let (started, signalStarted) = AsyncStream.makeStream(of: Void.self)
        // The first read is in flight (it read the old row) when the write lands and forgets the key.
        let slow = Task {
            try await reads.value(for: 1) {
                loads.withLock { $0 += 1 }
                signalStarted.yield()
                for await _ in gate { break }
                return "old"
            }
        }
        for await _ in started { break }
        reads.forget(1)
        opened.yield()
        #expect(try await slow.value == "old")
        // The old value was not kept: the next read goes to the database.
        #expect(try await reads.value(for: 1) { loads.withLock { $0 += 1 }; return "new" } == "new")
        #expect(loads.withLock { $0 } == 2)
    }

    @Test func missingRowsAreNotKept() async throws {
        let reads = RecentReads<Int, String>()
        #expect(try await reads.value(for: 1) { nil } == nil)
        #expect(try await reads.value(for: 1) { "created since" } == "created since")
    }
}

/// On SQLite, jobs run on the event loop that completes the connection's statements.
@Suite struct PreferredExecutorTests {
    @Test(arguments: TestDatabase.available)
    func tasksPreferringTheStoresExecutorResumeOnTheConnectionsLoop(_ database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            guard let executor = store.preferredExecutor else {
                #expect(database == .postgres, "SQLite has one connection, on one loop, to prefer")
                return
            }
            let onLoop = try await Task(executorPreference: executor) {
                _ = try await store.sql().raw("SELECT 1 AS one").first()
                return executor.loop.inEventLoop
            }.value
            #expect(onLoop)
        }
    }
}
