import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Random numbers from the system's cryptographic generator (`/dev/urandom`), read 4 KiB at a time.
///
/// Every lead takes about a dozen ids. `SystemRandomNumberGenerator` makes a `getrandom` call per
/// 8 bytes, and Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom` for each id:
/// together about 2.5 % of SQLite's thread at 1,000 leads/s (docs/benchmarks.md). The numbers are
/// the kernel's; only the system calls are shared. The pool is per process: a forked child would
/// repeat its parent's next numbers, and ClinicFlow never forks.
public struct PooledRandom: RandomNumberGenerator, Sendable {
    public init() {}

    public mutating func next() -> UInt64 { Pool.shared.next() }

    private final class Pool: Sendable {
        static let shared = Pool()
        static let size = 512
        private let state = Mutex(State())

        private struct State {
            var words = [UInt64](repeating: 0, count: Pool.size)
            var used = Pool.size
        }

        func next() -> UInt64 {
            state.withLock { state in
                if state.used == state.words.count {
                    Self.fill(&state.words)
                    state.used = 0
                }
                defer { state.used += 1 }
                return state.words[state.used]
            }
        }

        private static func fill(_ words: inout [UInt64]) {
            let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
            let filled = descriptor >= 0 && words.withUnsafeMutableBytes { bytes -> Bool in
                defer { close(descriptor) }
                var offset = 0
                while offset < bytes.count {
                    let got = read(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if got > 0 {
                        offset += got
                    } else if got < 0, errno == EINTR {
                        continue
                    } else {
                        return false
                    }
                }
                return true
            }
            guard !filled else { return }
            // No /dev/urandom (a sandbox): the standard library's generator, a word at a time.
            var system = SystemRandomNumberGenerator()
            for index in words.indices { words[index] = system.next() }
        }
    }
}

extension UUID {
    /// A version-4 (random) UUID, like `UUID()`, from `PooledRandom`.
    public static func random() -> UUID {
        var generator = PooledRandom()
        let (high, low) = (generator.next(), generator.next())
        var bytes = (high.bigEndian, low.bigEndian)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = (raw[6] & 0x0F) | 0x40  // version 4
            raw[8] = (raw[8] & 0x3F) | 0x80  // RFC 9562 variant
            return UUID(uuid: raw.load(as: uuid_t.self))
        }
    }
}
