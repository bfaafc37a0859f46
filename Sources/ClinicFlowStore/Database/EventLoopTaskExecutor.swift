import NIOCore
import Synchronization

/// Runs Swift tasks on one NIO event loop.
///
/// SQLite's connection completes every statement on its event loop. A task that prefers this
/// executor resumes right there after each `await`, instead of being handed to Swift's global pool
/// (one thread wake-up less per statement, and jobs make dozens of statements).
public final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: the loop is immutable and EventLoop is thread-safe.
    let loop: any EventLoop

    /// One per loop, never freed: tasks do not keep their preferred executor alive, and a task
    /// started from a job (which inherits the preference) may outlive the store that handed it out.
    public static func shared(for loop: any EventLoop) -> EventLoopTaskExecutor {
        executors.withLock { executors in
            if let existing = executors[ObjectIdentifier(loop)] { return existing }
            let executor = EventLoopTaskExecutor(loop)
            executors[ObjectIdentifier(loop)] = executor
            return executor
        }
    }

    private static let executors = Mutex<[ObjectIdentifier: EventLoopTaskExecutor]>([:])

    private init(_ loop: any EventLoop) {
        self.loop = loop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
