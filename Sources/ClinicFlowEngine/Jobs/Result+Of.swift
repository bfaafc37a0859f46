extension Result where Failure == any Error {
    /// The outcome of `body`, for batch handlers that collect one per job.
    static func of(_ body: () async throws -> Success) async -> Self {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }
}
