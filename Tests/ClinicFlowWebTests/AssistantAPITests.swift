import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import Testing
import Vapor
import VaporTesting

/// Replies, takeover, assistant settings, knowledge base, consent and practitioners over the API.
@Suite struct AssistantAPITests {
    func conversationPath(_ bed: APITestbed) -> String {
        "/clinics/\(bed.clinicA1.id)/conversations/\(bed.ids["conversationID"]!)"
    }

    /// The person wrote a minute ago: WhatsApp's window is open.
    func inbound(_ bed: APITestbed) async throws {
        let engine = bed.services.engine
        let conversation = try #require(try await engine.conversations.find(id: bed.ids["conversationID"]!, clinicID: bed.clinicA1.id))
        try await engine.conversations.insert(Message(
            clinicID: bed.clinicA1.id, conversationID: conversation.id, contactID: conversation.contactID, channelID: conversation.channelID,
            direction: .inbound, providerMessageID: "wamid.in.\(UUID())", body: "Oi", status: "received", author: "contact", sentAt: Date().addingTimeInterval(-60)
        ))
    }

    @Test(arguments: TestDatabase.available)
    func aConsultantsReplyIsQueuedAndTakesOver(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let path = conversationPath(bed)
            let closed = try await bed.send(.POST, path + "/messages", as: "consultantA1", json: #"{"text":"Olá Maria!"}"#)
            #expect(closed.status == .unprocessableEntity)
            #expect(try closed.json()["reason"] as? String == "not sent: outside WhatsApp's 24-hour window and the clinic has no approved template")

            try await inbound(bed)
            #expect(try await bed.send(.POST, path + "/messages", as: "consultantA1", json: #"{"text":"   "}"#).status == .unprocessableEntity)
            var headers = HTTPHeaders()
            headers.bearerAuthorization = BearerAuthorization(token: try await bed.token("consultantA1"))
            headers.contentType = .json
            headers.add(name: "Idempotency-Key", value: "reply-1")
            let queued = try await bed.app.testing().sendRequest(.POST, "/api/v1" + path + "/messages", headers: headers, body: ByteBuffer(string: #"{"text":"Olá Maria!"}"#))
            #expect(queued.status == .accepted)
            let message = try queued.json()
            #expect(message["status"] as? String == "queued")
            #expect(message["purpose"] as? String == "reply")
            #expect((message["author"] as? String)?.hasPrefix("user:") == true)
            let again = try await bed.app.testing().sendRequest(.POST, "/api/v1" + path + "/messages", headers: headers, body: ByteBuffer(string: #"{"text":"Olá Maria!"}"#))
            #expect(again.status == .conflict)

            let conversation = try await bed.send(.GET, path, as: "viewerA1").json()
            #expect(conversation["human_takeover"] as? Bool == true)
            let handback = try await bed.send(.POST, path + "/handback", as: "consultantA1").json()
            #expect(handback["human_takeover"] as? Bool == false)
            let takeover = try await bed.send(.POST, path + "/takeover", as: "consultantA1").json()
            #expect(takeover["human_takeover"] as? Bool == true)
            let types = try await bed.services.engine.events.events(inStream: Contact.stream(bed.ids["contactID"]!)).map(\.type)
            #expect(types.filter { $0.hasPrefix("assistant.") } == ["assistant.taken_over", "assistant.handed_back", "assistant.taken_over"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func anOptOutRecordedByStaffBlocksReplies(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            try await inbound(bed)
            let contact = "/clinics/\(bed.clinicA1.id)/contacts/\(bed.ids["contactID"]!)/consent"
            #expect(try await bed.send(.POST, contact, as: "consultantA1", json: #"{"kind":"maybe","evidence":"x"}"#).status == .unprocessableEntity)
            let recorded = try await bed.send(.POST, contact, as: "consultantA1", json: #"{"kind":"opt_out","evidence":"Asked on the phone not to be messaged"}"#)
            #expect(recorded.status == .created)
            let ledger = try #require(try await bed.send(.GET, contact, as: "viewerA1").json()["items"] as? [[String: Any]])
            #expect(ledger.map { $0["kind"] as? String } == ["opt_out"])
            #expect(ledger.first?["source"] as? String == "api")
            let blocked = try await bed.send(.POST, conversationPath(bed) + "/messages", as: "consultantA1", json: #"{"text":"Olá"}"#)
            #expect(blocked.status == .unprocessableEntity)
            #expect(try blocked.json()["reason"] as? String == "not sent: the contact opted out of messages")
        }
    }

    @Test(arguments: TestDatabase.available)
    func assistantSettingsAreValidatedAndKept(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let path = "/clinics/\(bed.clinicA1.id)/settings/assistant"
            let defaults = try await bed.send(.GET, path, as: "adminA1").json()
            #expect(defaults["enabled"] as? Bool == false)
            #expect((defaults["quiet_hours"] as? [String: Any])?["start"] as? String == "21:00")
            let bad = try await bed.send(.PUT, path, as: "adminA1", json: #"{"enabled":true,"price_list":[{"procedure":"implant","name":"Implante","price_cents":350000,"currency":"reais"}]}"#)
            #expect(bad.status == .unprocessableEntity)
            #expect(try bad.json()["reason"] as? String == "price_list[0].currency must be an ISO 4217 code such as BRL or EUR")
            let body = #"{"enabled":true,"price_list":[{"procedure":"implant","name":"Implante","price_cents":350000,"currency":"brl","max_installments":10}],"templates":{"pt":{"name":"retomar","language_code":"pt_BR","parameters":["{name}"]}},"quiet_hours":null}"#
            let saved = try await bed.send(.PUT, path, as: "adminA1", json: body)
            #expect(saved.status == .ok)
            let read = try await bed.send(.GET, path, as: "adminA1").json()
            #expect(read["enabled"] as? Bool == true)
            #expect(read["quiet_hours"] == nil || read["quiet_hours"] is NSNull)
            #expect(((read["price_list"] as? [[String: Any]])?.first?["currency"] as? String) == "BRL")
            #expect(((read["templates"] as? [String: Any])?["pt"] as? [String: Any])?["language_code"] as? String == "pt_BR")
        }
    }

    @Test(arguments: TestDatabase.available)
    func knowledgeArticlesAreManagedAndSearched(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let base = "/clinics/\(bed.clinicA1.id)/knowledge"
            let created = try await bed.send(.POST, base, as: "adminA1", json: #"{"kind":"preparation","title":"Antes do clareamento","body":"Evite café e vinho 48 horas antes."}"#)
            #expect(created.status == .created)
            let id = try #require(try created.json()["id"] as? String)
            #expect(try await bed.send(.POST, base, as: "adminA1", json: #"{"kind":"gossip","title":"x","body":"y"}"#).status == .unprocessableEntity)
            let found = try #require(try await bed.send(.GET, base + "/search?q=posso%20tomar%20caf%C3%A9%3F", as: "viewerA1").json()["items"] as? [[String: Any]])
            #expect(found.map { $0["id"] as? String } == [id])
            #expect(try await bed.send(.GET, base + "/search", as: "viewerA1").status == .badRequest)
            let edited = try await bed.send(.PUT, base + "/" + id, as: "adminA1", json: #"{"kind":"preparation","title":"Antes do clareamento","body":"Evite chá preto."}"#)
            #expect(try edited.json()["body"] as? String == "Evite chá preto.")
            let stale = try await bed.send(.GET, base + "/search?q=cafe", as: "viewerA1").json()["items"] as? [Any]
            #expect(stale?.isEmpty == true, "the edit left the index")
            let page = try await bed.send(.GET, base, as: "viewerA1").json()
            #expect(page["total"] as? Int == 2)
            #expect(try await bed.send(.DELETE, base + "/" + id, as: "adminA1").status == .noContent)
            #expect(try await bed.send(.GET, base + "/" + id, as: "viewerA1").status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.available)
    func practitionersNeedValidHours(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let base = "/clinics/\(bed.clinicA1.id)/practitioners"
            let bad = try await bed.send(.POST, base, as: "adminA1", json: #"{"name":"Dra. Ana","availability":{"mon":["18:00-09:00"]}}"#)
            #expect(bad.status == .unprocessableEntity)
            #expect((try bad.json()["reason"] as? String)?.hasPrefix("availability:") == true)
            let created = try await bed.send(.POST, base, as: "adminA1", json: #"{"name":"Dra. Ana","availability":{"mon":["09:00-12:00"]},"procedures":["implant"]}"#)
            #expect(created.status == .created)
            let items = try #require(try await bed.send(.GET, base, as: "viewerA1").json()["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["name"] as? String }.filter { $0 == "Dra. Ana" }.count == 1, "the invalid one was not stored")
            #expect(try await bed.send(.GET, "/clinics/\(bed.clinicA1.id)/appointments", as: "viewerA1").status == .ok)
        }
    }

    @Test func channelsTakeTheirSendingSettings() async throws {
        try await withAPI(.sqlite) { bed in
            let path = "/clinics/\(bed.clinicA1.id)/channels/\(bed.ids["channelID"]!)"
            let bad = try await bed.send(.PATCH, path, as: "adminA1", json: #"{"api_base_url":"ftp://chatwoot"}"#)
            #expect(bad.status == .unprocessableEntity)
            let saved = try await bed.send(.PATCH, path, as: "adminA1", json: #"{"api_base_url":"https://graph.example.com/v21.0/","sandbox":true}"#).json()
            #expect(saved["api_base_url"] as? String == "https://graph.example.com/v21.0")
            #expect(saved["sandbox"] as? Bool == true)
        }
    }
}
