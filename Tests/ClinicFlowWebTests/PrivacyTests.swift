import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowProviders
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import Testing
import Vapor
import VaporTesting

/// GDPR over the API: the export holds everything about the person, including what their webhooks
/// carried; after erasure none of it is anywhere, while the audit trail still shows what happened.
@Suite struct PrivacyTests {
    @Test(arguments: TestDatabase.available)
    func anExportHoldsEverythingAndAnErasureLeavesOnlyTheAudit(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let engine = bed.services.engine
            let contactID = bed.ids["contactID"]!
            let text = "Tenho dor forte no dente do siso"
            let body = #"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"5511940028922","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Maria Sigilosa"},"wa_id":"5511987654321"}],"messages":[{"from":"5511987654321","id":"wamid.gdpr","timestamp":"1749416383","type":"text","text":{"body":"\#(text)"}}]}}]}]}"#
            let hook = try await bed.app.testing().sendRequest(.POST, "/hooks/meta/\(bed.ids["channelID"]!)", headers: [
                "Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + Digest.hmacSHA256Hex(key: "s", message: Array(body.utf8)),
            ], body: ByteBuffer(string: body))
            #expect(hook.status == .ok)
            await bed.services.worker.drain()
            _ = try await engine.consent.record(.optIn, contactID: contactID, clinicID: bed.clinicA1.id, channelID: nil, source: "form", evidence: "Maria Sigilosa ticked the box")

            let path = "/clinics/\(bed.clinicA1.id)/contacts/\(contactID)"
            #expect(try await bed.send(.GET, path + "/export", as: "consultantA1").status == .forbidden, "admins only")
            let export = try await bed.send(.GET, path + "/export", as: "adminA1")
            #expect(export.status == .ok)
            #expect(export.headers.first(name: .contentDisposition)?.contains("attachment") == true)
            let before = export.body.string
            for trace in [text, "+5511987654321", "Maria Sigilosa", "wamid.gdpr", "ticked the box"] { #expect(before.contains(trace), "the export has \(trace)") }
            let exported = try export.json()
            #expect((exported["messages"] as? [[String: Any]])?.contains { $0["body"] as? String == text } == true)
            #expect((exported["events"] as? [[String: Any]])?.contains { $0["type"] as? String == "inbound.message" } == true)

            let timelineBefore = try await engine.events.events(inStream: Contact.stream(contactID)).map(\.type)
            #expect(try await bed.send(.POST, path + "/erase", as: "adminA1", json: #"{"reason":""}"#).status == .unprocessableEntity)
            let erased = try await bed.send(.POST, path + "/erase", as: "adminA1", json: #"{"reason":"the patient asked by email on 2026-12-01"}"#)
            #expect(erased.status == .ok)
            #expect((try erased.json()["erased_deliveries"] as? Int) == 1)

            // Nothing of the person is left: not in the export, the contact, messages, events or raw webhooks.
            let after = try await bed.send(.GET, path + "/export", as: "adminA1").body.string
            for trace in [text, "5511987654321", "Maria", "ticked the box"] { #expect(!after.contains(trace), "the export still has \(trace)") }
            let contact = try #require(try await engine.contacts.find(id: contactID, clinicID: bed.clinicA1.id))
            #expect(contact.name == nil && contact.phone == nil && contact.email == nil && contact.identities.isEmpty)
            let deliveries = try await engine.deliveries.list(channelID: bed.ids["channelID"]!)
            #expect(deliveries.allSatisfy { $0.body.isEmpty })
            let everything = try await engine.store.sql().raw("SELECT payload FROM events").all().map { try $0.decode(column: "payload", as: String.self) }.joined()
            #expect(!everything.contains("Sigilosa") && !everything.contains(text) && !everything.contains("5511987654321"))
            let titles = try await engine.store.sql().raw("SELECT title FROM tasks UNION ALL SELECT title FROM notifications").all().map { try $0.decode(column: "title", as: String.self) }
            #expect(!titles.isEmpty && !titles.contains { $0.contains("Maria") }, "\(titles)")
            // The audit keeps what happened: every event is still there, in order, and the erasure itself.
            let timelineAfter = try await engine.events.events(inStream: Contact.stream(contactID)).map(\.type)
            #expect(Array(timelineAfter.dropLast()) == timelineBefore && timelineAfter.last == "contact.erased")
            #expect(try await engine.leads.leads(contactID: contactID, clinicID: bed.clinicA1.id).count == 1)

            // The same number writing again is a new person to the clinic.
            let again = body.replacingOccurrences(of: "wamid.gdpr", with: "wamid.gdpr2")
            _ = try await bed.app.testing().sendRequest(.POST, "/hooks/meta/\(bed.ids["channelID"]!)", headers: [
                "Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + Digest.hmacSHA256Hex(key: "s", message: Array(again.utf8)),
            ], body: ByteBuffer(string: again))
            await bed.services.worker.drain()
            let matches = try await engine.contacts.matches([.phone(PhoneNumber.normalize("+5511987654321", defaultRegion: "BR")!)], clinicID: bed.clinicA1.id)
            #expect(matches.values.first != nil && matches.values.first != contactID)
        }
    }
}
