import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowProviders
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite struct APIFunctionalTests {
    @Test func loginGivesATokenForTheRightPasswordOnly() async throws {
        try await withAPI(.sqlite) { bed in
            let tester = try bed.app.testing()
            func login(_ email: String, _ password: String) async throws -> TestingHTTPResponse {
                try await tester.sendRequest(.POST, "/api/v1/auth/login", headers: ["Content-Type": "application/json"],
                                             body: ByteBuffer(string: #"{"email":"\#(email)","password":"\#(password)"}"#))
            }
            let ok = try await login("AdminA1@Example.com", APITestbed.password)
            #expect(ok.status == .ok)
            let body = try ok.json()
            #expect(body["token_type"] as? String == "Bearer")
            #expect((body["user"] as? [String: Any])?["role"] as? String == "clinic_admin")
            let token = try #require(body["token"] as? String)
            var headers = HTTPHeaders()
            headers.bearerAuthorization = BearerAuthorization(token: token)
            let me = try await tester.sendRequest(.GET, "/api/v1/me", headers: headers)
            #expect(try me.json()["email"] as? String == "admina1@example.com")

            let wrong = try await login("admina1@example.com", "not the password")
            #expect(wrong.status == .unauthorized)
            #expect(try wrong.json()["reason"] as? String == "the email or the password is wrong")
            #expect(try await login("nobody@example.com", APITestbed.password).status == .unauthorized)
            let malformed = try await tester.sendRequest(.POST, "/api/v1/auth/login", headers: ["Content-Type": "application/json"], body: ByteBuffer(string: #"{"email":1}"#))
            #expect(malformed.status == .badRequest)
            #expect((try malformed.json()["reason"] as? String)?.contains("email") == true)
        }
    }

    @Test(arguments: TestDatabase.available)
    func contactsAreCreatedInE164SearchedAndPaginated(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let base = "/clinics/\(bed.clinicA1.id)/contacts"
            let created = try await bed.send(.POST, base, as: "consultantA1", json: #"{"name":"João Pedro","phone":"(21) 8765-4321","email":"JOAO@example.com"}"#)
            #expect(created.status == .created)
            let contact = try created.json()
            #expect(contact["phone"] as? String == "+5521987654321")
            #expect(contact["email"] as? String == "joao@example.com")
            #expect((contact["identities"] as? [[String: Any]])?.count == 2)

            let duplicate = try await bed.send(.POST, base, as: "consultantA1", json: #"{"phone":"+55 21 98765-4321"}"#)
            #expect(duplicate.status == .conflict)
            let badPhone = try await bed.send(.POST, base, as: "consultantA1", json: #"{"name":"X","phone":"12"}"#)
            #expect(badPhone.status == .unprocessableEntity)
            #expect((try badPhone.json()["reason"] as? String)?.hasPrefix("phone:") == true)

            let search = try await bed.send(.GET, base + "?q=joão", as: "viewerA1")
            #expect(try search.json()["total"] as? Int == 1)
            let page = try await bed.send(.GET, base + "?limit=2&offset=0", as: "viewerA1")
            #expect(try page.json()["total"] as? Int == 3)
            #expect((try page.json()["items"] as? [Any])?.count == 2)
            let next = try await bed.send(.GET, base + "?limit=2&offset=2", as: "viewerA1")
            #expect((try next.json()["items"] as? [Any])?.count == 1)
            let badLimit = try await bed.send(.GET, base + "?limit=1000", as: "viewerA1")
            #expect(badLimit.status == .badRequest)
            #expect(try badLimit.json()["reason"] as? String == "limit must be a whole number from 1 to 200")
        }
    }

    @Test(arguments: TestDatabase.available)
    func leadsMoveThroughStagesWithTheirHistory(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let leadPath = "/clinics/\(bed.clinicA1.id)/leads/\(bed.ids["leadID"]!)"
            let consultant = bed.users["consultantA1"]!.id
            let moved = try await bed.send(.PATCH, leadPath, as: "consultantA1", json: #"{"stage":"QUALIFIED","owner_id":"\#(consultant)","value_minor":450000,"currency":"brl","reason":"called back"}"#)
            #expect(moved.status == .ok, "\(moved.body.string)")
            let lead = try moved.json()
            #expect(lead["stage"] as? String == "QUALIFIED")
            #expect(lead["owner_id"] as? String == consultant.uuidString)
            #expect(lead["currency"] as? String == "BRL")
            #expect(lead["first_response_at"] != nil)

            let won = try await bed.send(.PATCH, leadPath, as: "consultantA1", json: #"{"stage":"WON"}"#)
            #expect(try won.json()["status"] as? String == "won")
            #expect(try won.json()["closed_at"] != nil)
            let unassigned = try await bed.send(.PATCH, leadPath, as: "consultantA1", json: #"{"owner_id":null}"#)
            #expect(try unassigned.json()["owner_id"] == nil)

            let unknownStage = try await bed.send(.PATCH, leadPath, as: "consultantA1", json: #"{"stage":"DREAMING"}"#)
            #expect(unknownStage.status == .unprocessableEntity)
            let stranger = try await bed.send(.PATCH, leadPath, as: "consultantA1", json: #"{"owner_id":"\#(bed.users["consultantB1"]!.id)"}"#)
            #expect(stranger.status == .unprocessableEntity)

            let timeline = try await bed.send(.GET, "/clinics/\(bed.clinicA1.id)/contacts/\(bed.ids["contactID"]!)/timeline", as: "viewerA1")
            let types = try #require(timeline.json()["items"] as? [[String: Any]]).compactMap { $0["type"] as? String }
            // Newest first: the unassignment, the move to WON, then the first change's three events.
            #expect(types == ["lead.assigned", "lead.stage_changed", "lead.updated", "lead.assigned", "lead.stage_changed"])

            // One open lead per contact: a second one is refused while the first is open.
            let contact = bed.ids["otherContactID"]!
            let first = try await bed.send(.POST, "/clinics/\(bed.clinicA1.id)/leads", as: "consultantA1", json: #"{"contact_id":"\#(contact)","procedure":"Clareamento"}"#)
            #expect(first.status == .created)
            #expect(try first.json()["stage"] as? String == "NEW")
            let second = try await bed.send(.POST, "/clinics/\(bed.clinicA1.id)/leads", as: "consultantA1", json: #"{"contact_id":"\#(contact)"}"#)
            #expect(second.status == .conflict)
            let filtered = try await bed.send(.GET, "/clinics/\(bed.clinicA1.id)/leads?status=open&stage=NEW", as: "viewerA1")
            #expect(try filtered.json()["total"] as? Int == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func stagesAreConfigurableButNeverStrandLeads(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let path = "/clinics/\(bed.clinicA1.id)/stages"
            let custom = #"{"stages":[{"key":"NEW","name":"Novo","outcome":"open"},{"key":"EVALUATION","name":"Avaliação","outcome":"open"},{"key":"WON","name":"Fechado","outcome":"won"},{"key":"LOST","name":"Perdido","outcome":"lost"}]}"#
            let replaced = try await bed.send(.PUT, path, as: "adminA1", json: custom)
            #expect(replaced.status == .ok, "\(replaced.body.string)")
            let stages = try #require(try await bed.send(.GET, path, as: "viewerA1").json()["stages"] as? [[String: Any]])
            #expect(stages.compactMap { $0["key"] as? String } == ["NEW", "EVALUATION", "WON", "LOST"])

            let noNew = #"{"stages":[{"key":"EVALUATION","name":"Avaliação","outcome":"open"},{"key":"WON","name":"W","outcome":"won"},{"key":"LOST","name":"L","outcome":"lost"}]}"#
            let stranded = try await bed.send(.PUT, path, as: "adminA1", json: noNew)
            #expect(stranded.status == .conflict)  // the seeded lead sits in NEW
            let invalid = try await bed.send(.PUT, path, as: "adminA1", json: #"{"stages":[{"key":"NEW","name":"N","outcome":"open"}]}"#)
            #expect(invalid.status == .unprocessableEntity)
            #expect(try invalid.json()["reason"] as? String == "a pipeline needs a won stage and a lost stage")
        }
    }

    @Test(arguments: TestDatabase.available)
    func mergingKeepsBothHistoriesOnOneTimeline(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let clinic = bed.clinicA1.id
            let keep = bed.ids["contactID"]!
            let fold = bed.ids["otherContactID"]!
            _ = try await bed.send(.POST, "/clinics/\(clinic)/contacts/\(fold)/notes", as: "consultantA1", json: #"{"text":"Prefere manhãs"}"#)
            _ = try await bed.send(.POST, "/clinics/\(clinic)/contacts/\(keep)/notes", as: "consultantA1", json: #"{"text":"Quer implante"}"#)
            let merged = try await bed.send(.POST, "/clinics/\(clinic)/contacts/\(keep)/merge", as: "adminA1", json: #"{"other_contact_id":"\#(fold)"}"#)
            #expect(merged.status == .ok, "\(merged.body.string)")
            let contact = try merged.json()
            #expect(contact["email"] as? String == "maria@example.com")
            #expect(Set((contact["identities"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }) == ["phone", "email"])

            let timeline = try await bed.send(.GET, "/clinics/\(clinic)/contacts/\(keep)/timeline", as: "viewerA1")
            let items = try #require(timeline.json()["items"] as? [[String: Any]])
            let notes = items.filter { $0["type"] as? String == "note.added" }.compactMap { ($0["data"] as? [String: Any])?["text"] as? String }
            #expect(Set(notes) == ["Prefere manhãs", "Quer implante"])
            #expect(items.contains { $0["type"] as? String == "contact.merged" })

            let gone = try await bed.send(.GET, "/clinics/\(clinic)/contacts/\(fold)", as: "viewerA1")
            #expect(gone.status == .gone)
            let list = try await bed.send(.GET, "/clinics/\(clinic)/contacts", as: "viewerA1")
            #expect(try list.json()["total"] as? Int == 1)
            let consultantMerge = try await bed.send(.POST, "/clinics/\(clinic)/contacts/\(keep)/merge", as: "consultantA1", json: #"{"other_contact_id":"\#(fold)"}"#)
            #expect(consultantMerge.status == .forbidden)
        }
    }

    @Test func usersCannotGrantMoreThanTheyHave() async throws {
        try await withAPI(.sqlite) { bed in
            let path = "/clinics/\(bed.clinicA1.id)/users"
            let consultant = try await bed.send(.POST, path, as: "adminA1", json: #"{"email":"new@example.com","name":"Nova","role":"consultant","password":"a long enough password"}"#)
            #expect(consultant.status == .created)
            #expect(try consultant.json()["clinic_ids"] as? [String] == [bed.clinicA1.id.uuidString])
            let escalate = try await bed.send(.POST, path, as: "adminA1", json: #"{"email":"boss@example.com","name":"Boss","role":"agency_admin","password":"a long enough password"}"#)
            #expect(escalate.status == .forbidden)
            let weak = try await bed.send(.POST, path, as: "adminA1", json: #"{"email":"weak@example.com","name":"W","role":"viewer","password":"short"}"#)
            #expect(weak.status == .unprocessableEntity)
            let taken = try await bed.send(.POST, path, as: "adminA1", json: #"{"email":"New@Example.com","name":"Again","role":"viewer","password":"a long enough password"}"#)
            #expect(taken.status == .conflict)
            let promoteSelf = try await bed.send(.PATCH, "\(path)/\(bed.users["adminA1"]!.id)", as: "adminA1", json: #"{"role":"platform_admin"}"#)
            #expect(promoteSelf.status == .forbidden)
            let disable = try await bed.send(.PATCH, "\(path)/\(bed.users["consultantA1"]!.id)", as: "adminA1", json: #"{"active":false}"#)
            #expect(try disable.json()["active"] as? Bool == false)
        }
    }

    @Test func channelsShowTheirSecretsOnceAndWorkAtOnce() async throws {
        try await withAPI(.sqlite) { bed in
            let path = "/clinics/\(bed.clinicA1.id)/channels"
            let created = try await bed.send(.POST, path, as: "adminA1", json: #"{"provider":"meta","name":"WhatsApp SP","business_number":"(11) 4002-8922","credentials":{"app_secret":"meta-secret"}}"#)
            #expect(created.status == .created, "\(created.body.string)")
            let channel = try created.json()
            let credentials = try #require(channel["credentials"] as? [String: String])
            #expect(credentials["app_secret"] == "meta-secret")
            #expect((credentials["verify_token"]?.count ?? 0) >= 40)  // generated
            #expect(channel["business_number"] as? String == "+551140028922")
            let url = try #require(channel["webhook_url"] as? String)
            #expect(url.hasSuffix("/hooks/meta/\((channel["id"] as! String).lowercased())"))

            let listed = try await bed.send(.GET, path, as: "viewerA1")
            let items = try #require(listed.json()["items"] as? [[String: Any]])
            #expect(items.allSatisfy { $0["credentials"] == nil })
            #expect(!listed.body.string.contains("meta-secret"))

            // The handshake answers with the generated verify token right away.
            let handshake = try await bed.app.testing().sendRequest(.GET, "/hooks/meta/\(channel["id"] as! String)?hub.mode=subscribe&hub.challenge=42&hub.verify_token=\(credentials["verify_token"]!)")
            #expect(handshake.body.string == "42")

            let missing = try await bed.send(.POST, path, as: "adminA1", json: #"{"provider":"stripe","name":"Stripe"}"#)
            #expect(missing.status == .unprocessableEntity)
            #expect(try missing.json()["reason"] as? String == "credentials: this provider needs webhook_secret")
            let unknown = try await bed.send(.POST, path, as: "adminA1", json: #"{"provider":"meta","name":"X","credentials":{"app_secret":"s","password":"x"}}"#)
            #expect(unknown.status == .unprocessableEntity)

            // Rotation replaces the secret and the old one stops verifying.
            let id = channel["id"] as! String
            let rotated = try await bed.send(.PATCH, "\(path)/\(id)", as: "adminA1", json: #"{"credentials":{"app_secret":"rotated"}}"#)
            #expect((try rotated.json()["credentials"] as? [String: String])?["app_secret"] == "rotated")
            let body = ProviderCase.metaMessage(id: "wamid.rot", text: "oi")
            let old = try await bed.app.testing().sendRequest(.POST, "/hooks/meta/\(id)", headers: ["Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + Digest.hmacSHA256Hex(key: "meta-secret", message: Array(body.utf8))], body: ByteBuffer(string: body))
            #expect(old.status == .unauthorized)
            let new = try await bed.app.testing().sendRequest(.POST, "/hooks/meta/\(id)", headers: ["Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + Digest.hmacSHA256Hex(key: "rotated", message: Array(body.utf8))], body: ByteBuffer(string: body))
            #expect(new.status == .ok)
        }
    }
}
