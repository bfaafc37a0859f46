import ClinicFlowEngine
import Synchronization
import Vapor

/// Runs the job worker inside `serve`: starts it once the server has booted, and on shutdown lets
/// running jobs finish (up to the grace period) before the database closes.
final class WorkerLifecycle: LifecycleHandler {
    private let worker: JobWorker
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(worker: JobWorker) { self.worker = worker }

    func didBootAsync(_ application: Application) async throws {
        let worker = self.worker
        task.withLock { $0 = Task { await worker.run() } }
    }

    func shutdownAsync(_ application: Application) async {
        worker.stop()
        await task.withLock { $0 }?.value
    }
}

/// Closes the database after everything else has shut down (handlers shut down in reverse order).
struct StoreLifecycle: LifecycleHandler {
    let services: ClinicFlowServices

    func shutdownAsync(_ application: Application) async {
        await services.shutdown()
    }
}
