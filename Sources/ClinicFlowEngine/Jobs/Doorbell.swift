/// Wakes an idle worker early: when a job is enqueued in this process or a running job finishes.
/// Without a ring the worker still polls, so jobs enqueued by other processes are never missed.
actor Doorbell {
    private var waiter: CheckedContinuation<Void, Never>?
    private var rang = false
    private var generation = 0

    func ring() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            rang = true
        }
    }

    /// Returns at the next ring, or after `timeout`, whichever comes first.
    func wait(upTo timeout: Duration) async {
        if rang {
            rang = false
            return
        }
        generation += 1
        let current = generation
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.expire(current)
        }
        await withCheckedContinuation { continuation in
            waiter = continuation
        }
        timer.cancel()
    }

    private func expire(_ expected: Int) {
        guard expected == generation, let waiter else { return }
        self.waiter = nil
        waiter.resume()
    }
}
