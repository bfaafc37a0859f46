import Foundation
import NIOCore
import NIOPosix
import SQLiteNIO

/// ClinicFlow's SQLite connection: statements run synchronously on one event loop, the loop that
/// jobs run on (`Store.preferredExecutor`), so a job's statements cost no thread switch at all.
///
/// Fluent's SQLite driver sends every statement from the event loop to a thread pool and the result
/// back: two thread wake-ups per statement, about a third of the server's CPU at saturation and most
/// of each statement's latency. A statement here blocks the loop for as long as SQLite works on it,
/// which for ClinicFlow's indexed statements is microseconds.
///
/// One user at a time: a transaction holds the connection across its awaits, and a statement from
/// anyone else waits (FIFO) until it is released, or fails after `waitLimit`, as a pool of one
/// connection did.
final class DirectSQLiteConnection: @unchecked Sendable {
    // @unchecked: `handle`, `held`, `waiters` and `nextWaiter` are only touched on `loop`.
    let loop: any EventLoop
    private let handle: SQLiteHandle
    private let waitLimit: TimeAmount
    private var held = false
    private var waiters = CircularBuffer<Waiter>()
    private var nextWaiter = 0

    private struct Waiter {
        let id: Int
        let promise: EventLoopPromise<Void>
        let deadline: Scheduled<Void>
    }

    /// SQLite's own event loops, for the life of the process (like NIO's singletons). A statement
    /// blocks its loop, fsyncs included, so these are never the loops that serve HTTP or run
    /// outbound clients. A process has one store (tests have many, spread over the loops). Named
    /// `sqlite-…` so `top -H` and the benchmarks can tell SQLite's thread from the others.
    static let loops = MultiThreadedEventLoopGroup._makePerpetualGroup(threadNamePrefix: "sqlite-", numberOfThreads: 2)

    private init(loop: any EventLoop, handle: SQLiteHandle, waitLimit: TimeAmount) {
        self.loop = loop
        self.handle = handle
        self.waitLimit = waitLimit
    }

    static func open(path: String, busyTimeout: TimeInterval, walRestart: WALRestart, waitLimit: TimeAmount, on loop: any EventLoop) -> EventLoopFuture<DirectSQLiteConnection> {
        loop.submit {
            let handle = try SQLiteHandle(path: path, busyTimeout: busyTimeout, walRestart: walRestart)
            return DirectSQLiteConnection(loop: loop, handle: handle, waitLimit: waitLimit)
        }
    }

    /// Runs `body` with the connection to itself, synchronously on the loop: for work that needs
    /// no awaits in between (a single statement, a batch).
    func exclusively<T: Sendable>(_ body: @escaping @Sendable (SQLiteHandle) throws -> T) -> EventLoopFuture<T> {
        guard loop.inEventLoop else { return loop.flatSubmit { self.exclusively(body) } }
        guard handle.isOpen else { return loop.makeFailedFuture(StoreError.closed) }
        // Nobody holds it: nobody can take it before `body` returns, since `body` does not yield.
        if !held { return loop.makeCompletedFuture { try body(handle) } }
        return acquire().flatMapThrowing { try body(self.handle) }.always { _ in self.release() }
    }

    /// Runs one statement for a caller that holds the connection (`acquire`).
    func run(_ sql: String, _ binds: [SQLiteData]) -> EventLoopFuture<SQLiteResultRows> {
        guard loop.inEventLoop else { return loop.submit { try self.handle.run(sql, binds) } }
        return loop.makeCompletedFuture { try handle.run(sql, binds) }
    }

    /// Runs one statement at once when that needs no wait: on the loop, for the holder (`holding`) or
    /// while nobody holds the connection. Nil when it would have to wait (then use `run` or `exclusively`).
    ///
    /// An async caller that gets its rows here skips the futures (`run`'s, the rows' `map`) and the
    /// continuation that would carry them back: allocations and callbacks, fifty statements per lead.
    func runNow(_ sql: String, _ binds: [SQLiteData], holding: Bool) throws -> SQLiteResultRows? {
        guard loop.inEventLoop, holding || !held else { return nil }
        guard handle.isOpen else { throw StoreError.closed }
        return try handle.run(sql, binds)
    }

    /// Takes the connection at once when that needs no wait (on the loop, nobody holding it); false otherwise.
    func acquireNow() -> Bool {
        guard loop.inEventLoop, !held, handle.isOpen else { return false }
        held = true
        return true
    }

    /// Takes the connection until `release`; waits behind whoever holds it.
    func acquire() -> EventLoopFuture<Void> {
        guard loop.inEventLoop else { return loop.flatSubmit { self.acquire() } }
        guard handle.isOpen else { return loop.makeFailedFuture(StoreError.closed) }
        guard held else {
            held = true
            return loop.makeSucceededVoidFuture()
        }
        let id = nextWaiter
        nextWaiter += 1
        let promise = loop.makePromise(of: Void.self)
        let limit = waitLimit
        let deadline = loop.scheduleTask(in: limit) {
            guard let index = self.waiters.firstIndex(where: { $0.id == id }) else { return }
            self.waiters.remove(at: index)
            promise.fail(StoreError.connectionWaitTimedOut(seconds: Double(limit.nanoseconds) / 1e9))
        }
        waiters.append(Waiter(id: id, promise: promise, deadline: deadline))
        return promise.futureResult
    }

    /// Hands the connection to the next waiter, if any.
    func release() {
        guard loop.inEventLoop else { return loop.execute { self.release() } }
        if let next = waiters.popFirst() {
            next.deadline.cancel()
            next.promise.succeed()
        } else {
            held = false
        }
    }

    /// See `SQLiteHandle.repreparations`.
    func repreparations() -> EventLoopFuture<Int> {
        exclusively { $0.repreparations }
    }

    func close() -> EventLoopFuture<Void> {
        guard loop.inEventLoop else { return loop.flatSubmit { self.close() } }
        while let waiter = waiters.popFirst() {
            waiter.deadline.cancel()
            waiter.promise.fail(StoreError.closed)
        }
        handle.close()
        return loop.makeSucceededVoidFuture()
    }
}
