import ClinicFlowProviders
import Foundation
import Testing

/// The load simulator's people: by default every delivery is a new person; with `people`, the same
/// people write again, each time with a message id of its own (so none is taken for a retry).
@Suite struct SimulationTests {
    private func sender(_ webhook: SignedWebhook) throws -> (from: String, id: String) {
        let root = try #require(try JSONSerialization.jsonObject(with: Data(webhook.body)) as? [String: Any])
        let value = try #require(((root["entry"] as? [[String: Any]])?.first?["changes"] as? [[String: Any]])?.first?["value"] as? [String: Any])
        let message = try #require((value["messages"] as? [[String: Any]])?.first)
        return (try #require(message["from"] as? String), try #require(message["id"] as? String))
    }

    @Test func aPersonWritesAgainWithNewMessageIDs() throws {
        let first = try sender(SignedWebhook.simulated(.meta, index: 10, people: 7, secret: "s", seed: 7))
        let again = try sender(SignedWebhook.simulated(.meta, index: 17, people: 7, secret: "s", seed: 7))
        let themselves = try sender(SignedWebhook.simulated(.meta, index: 3, secret: "s", seed: 7))
        #expect(first.from == again.from && first.from == themselves.from, "person 3 each time (10 and 17 mod 7)")
        #expect(Set([first.id, again.id, themselves.id]).count == 3, "three distinct messages")
        let stranger = try sender(SignedWebhook.simulated(.meta, index: 10, secret: "s", seed: 7))
        #expect(stranger.from != first.from, "without people, request 10 is someone new")
    }
}
