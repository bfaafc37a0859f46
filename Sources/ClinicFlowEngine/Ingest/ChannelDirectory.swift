import ClinicFlowDomain
import ClinicFlowStore
import Foundation
import Synchronization

/// Channels with their credentials, cached for the webhook path: a lookup per webhook would put a
/// decrypting database read in front of every acknowledgement. Entries expire after `ttl`, so a
/// change made by another process shows within that time; changes made here invalidate at once.
public final class ChannelDirectory: Sendable {
    public typealias Entry = (channel: ClinicChannel, credentials: ChannelCredentials)

    public let repository: ChannelRepository
    private let ttl: Duration
    private let cache = Mutex<[UUID: (entry: Entry?, loaded: ContinuousClock.Instant)]>([:])

    public init(repository: ChannelRepository, ttl: Duration = .seconds(30)) {
        self.repository = repository
        self.ttl = ttl
    }

    /// The channel and its credentials, or nil when no such channel exists (also cached, briefly, so
    /// random ids cannot push every request to the database).
    public func lookup(_ id: UUID) async throws -> Entry? {
        if let cached = cached(id) { return cached }
        let now = ContinuousClock.now
        let entry = try await repository.findWithCredentials(id: id)
        cache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }  // bounded: unknown ids are not allowed to grow it forever
            cache[id] = (entry.map { (channel: $0.0, credentials: $0.1) }, now)
        }
        return entry.map { (channel: $0.0, credentials: $0.1) }
    }

    /// The cached entry when it is fresh; `nil` means "not known here yet", not "no such channel".
    public func cached(_ id: UUID) -> Entry?? {
        let now = ContinuousClock.now
        guard let cached = cache.withLock({ $0[id] }),
            now - cached.loaded < (cached.entry == nil ? min(ttl, .seconds(5)) : ttl)
        else { return nil }
        return .some(cached.entry)
    }

    public func invalidate(_ id: UUID) {
        _ = cache.withLock { $0.removeValue(forKey: id) }
    }
}
