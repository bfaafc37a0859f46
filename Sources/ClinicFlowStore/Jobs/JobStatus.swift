/// A job's life: queued → running → done, or back to queued for a retry, or dead after its last attempt.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case queued
    case running
    case done
    /// In the dead-letter queue: kept with its last error until replayed.
    case dead
}
