import FluentKit
import Synchronization

/// Rows that every job reads but people rarely change (a clinic's details, its settings), kept for
/// a moment so the hot path does not ask SQLite's single connection for them again and again.
///
/// Writes made through this process forget the entry at once; a change made by another process
/// shows within `ttl`. Missing rows are not kept: nothing downstream acts on them. Reads inside a
/// transaction bypass it: they must see the transaction's own writes, which may yet roll back.
/// A caller whose transaction never writes what it reads may use the copies there too
/// (`inTransaction: .recentWillDo`): what it loads is what others committed, so it is kept.
final class RecentReads<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    static var defaultTTL: Duration { .seconds(2) }

    private let ttl: Duration
    private let capacity: Int
    private let state = Mutex(State())

    private struct State {
        var entries: [Key: (value: Value, loaded: ContinuousClock.Instant)] = [:]
        /// Bumped by every `forget`: a read that started before a write must not store what it read.
        var generation = 0
    }

    init(ttl: Duration = defaultTTL, capacity: Int = 1_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    enum InTransaction {
        case readThrough, recentWillDo
    }

    func value(
        for key: Key, on database: (any Database)? = nil, inTransaction: InTransaction = .readThrough, load: () async throws -> Value?
    ) async throws -> Value? {
        if database?.inTransaction == true, inTransaction == .readThrough { return try await load() }
        let now = ContinuousClock.now
        let (cached, generation) = state.withLock { state in
            (state.entries[key].flatMap { now - $0.loaded < ttl ? $0.value : nil }, state.generation)
        }
        if let cached { return cached }
        guard let loaded = try await load() else { return nil }
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[key] = (loaded, now)
        }
        return loaded
    }

    func forget(_ key: Key) {
        state.withLock { state in
            state.entries[key] = nil
            state.generation &+= 1
        }
    }
}
