import ClinicFlowDomain
import ClinicFlowStore
import FluentKit
import Foundation
import Logging

extension MessageSendJob {
    /// Sends several due messages: claimed in one transaction, sent side by side (one after another
    /// within a conversation, in the order they fell due, so a patient reads them in the order they
    /// were written), and those the providers took recorded in one transaction (`eachInOneTransaction`).
    /// A message that cannot be claimed, or whose record fails, goes the single run's way.
    func run(batch jobs: [(messageID: UUID, context: JobContext)]) async -> [Result<Void, any Error>] {
        let claimed = await claim(jobs.map(\.messageID), logger: jobs[0].context.logger)
        var results = [Result<Void, any Error>](repeating: .success(()), count: jobs.count)
        var sent: [(index: Int, sent: Sent)] = []
        var conversations: [UUID: [(index: Int, message: Message)]] = [:]
        for (index, message) in claimed.enumerated() {
            if let message { conversations[message.conversationID, default: []].append((index, message)) }
        }
        await withTaskGroup(of: [(Int, Result<Sent?, any Error>)].self) { group in
            for (index, message) in claimed.enumerated() where message == nil {
                let job = jobs[index]
                group.addTask { [(index, await Result.of { try await run(job.messageID, context: job.context); return nil })] }
            }
            for messages in conversations.values {
                group.addTask {
                    var outcomes: [(Int, Result<Sent?, any Error>)] = []
                    for (index, message) in messages {
                        outcomes.append((index, await Result.of { try await attempt(message, context: jobs[index].context) }))
                    }
                    return outcomes
                }
            }
            for await outcomes in group {
                for (index, outcome) in outcomes {
                    switch outcome {
                    case .success(let record?): sent.append((index, record))
                    case .success(nil): break
                    case .failure(let error): results[index] = .failure(error)
                    }
                }
            }
        }
        for (index, failure) in await recordTogether(sent.map(\.sent), logger: jobs[0].context.logger) {
            results[sent[index].index] = .failure(failure)
        }
        return results
    }

    /// Reads and claims the messages in one transaction: nil for one that is gone or not claimable
    /// (it then runs alone, which says why). If the transaction fails, none is claimed.
    private func claim(_ ids: [UUID], logger: Logger) async -> [Message?] {
        let conversations = components.conversations
        do {
            return try await components.store.db.withTransaction { transaction in
                var claimed: [Message?] = []
                for id in ids {
                    guard let message = try await conversations.message(id: id, on: transaction),
                        try await conversations.claimForSending(id, on: transaction)
                    else {
                        claimed.append(nil)
                        continue
                    }
                    claimed.append(message)
                }
                return claimed
            }
        } catch {
            logger.warning("claiming messages together failed; each runs alone", metadata: ["messages": "\(ids.count)", "error_type": "\(type(of: error))"])
            return ids.map { _ in nil }
        }
    }

    /// Records sent messages in one transaction (`eachInOneTransaction`); one whose record fails is
    /// recorded alone, and all are if the transaction fails. Returns the failures by position.
    private func recordTogether(_ sent: [Sent], logger: Logger) async -> [(Int, any Error)] {
        guard sent.count > 1 else { return await recordAlone(sent, positions: Array(sent.indices)) }
        let failed: [Int]
        do {
            failed = try await components.store.db.eachInOneTransaction(Array(sent.indices)) { index, transaction in
                try await self.record(sent[index], on: transaction)
            }
            .map(\.item)
        } catch {
            logger.warning("recording sent messages together failed; each is recorded alone", metadata: ["messages": "\(sent.count)", "error_type": "\(type(of: error))"])
            return await recordAlone(sent, positions: Array(sent.indices))
        }
        return await recordAlone(sent, positions: failed)
    }

    private func recordAlone(_ sent: [Sent], positions: [Int]) async -> [(Int, any Error)] {
        var failures: [(Int, any Error)] = []
        for position in positions {
            let outcome = await Result.of { try await components.store.db.withTransaction { try await record(sent[position], on: $0) } }
            if case .failure(let error) = outcome { failures.append((position, error)) }
        }
        return failures
    }
}
