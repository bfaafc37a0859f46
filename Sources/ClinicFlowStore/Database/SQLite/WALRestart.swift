import ClinicFlowSQLiteC

/// The background checkpointer's line to the writing connection: it asks, the writer checkpoints
/// after its next commit (clinicflow_wal_restart.c says why); and the writer's count of commits,
/// which tells the checkpointer when there is something to copy. Lives as long as the connection it is
/// installed on, which holds it.
final class WALRestart: @unchecked Sendable {
    // @unchecked: the C side is atomics only.
    private let state: OpaquePointer

    init(fallbackFrames: Int) {
        guard let state = clinicflow_wal_restart_create(Int32(clamping: fallbackFrames)) else { fatalError("out of memory") }
        self.state = state
    }

    deinit { clinicflow_wal_restart_free(state) }

    func install(on db: OpaquePointer) { clinicflow_wal_restart_install(db, state) }

    func request() { clinicflow_wal_restart_request(state) }

    /// Takes back a request the writer has not served.
    func withdraw() { _ = clinicflow_wal_restart_withdraw(state) }

    var isRequested: Bool { clinicflow_wal_restart_is_requested(state) != 0 }

    /// Commits the writer has made, each to the log.
    var writerCommits: Int { Int(clinicflow_wal_restart_commits(state)) }

    /// Checkpoints the writer has made, asked for or past its fallback size.
    var writerCheckpoints: Int { Int(clinicflow_wal_restart_checkpoints(state)) }
}
