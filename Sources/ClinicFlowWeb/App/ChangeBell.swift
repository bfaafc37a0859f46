import Foundation
import Synchronization

/// Wakes every waiting live feed at once when new events are committed (PostgreSQL NOTIFY, from any
/// process). Waiters also wake on their timeout, so feeds keep working where nothing rings (SQLite).
final class ChangeBell: Sendable {
    private let waiters = Mutex<[UUID: CheckedContinuation<Void, Never>]>([:])

    func ring() {
        let woken = waiters.withLock { waiters in
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns at the next ring or after `timeout`.
    func wait(upTo timeout: Duration) async {
        let id = UUID()
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.resume(id)
        }
        await withCheckedContinuation { continuation in
            waiters.withLock { $0[id] = continuation }
        }
        timer.cancel()
    }

    private func resume(_ id: UUID) {
        waiters.withLock { $0.removeValue(forKey: id) }?.resume()
    }
}
