import ClinicFlowDomain
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite struct ScoringAPITests {
    @Test(arguments: TestDatabase.available)
    func scoringSettingsKeepTheLLMKeyWriteOnly(database: TestDatabase) async throws {
        try await withAPI(database) { bed in
            let path = "/clinics/\(bed.clinicA1.id)/settings/scoring"
            let body = #"""
                {"procedures":[{"key":"hair_transplant","phrases":["transplante capilar"]}],"price_words":[],"urgency_words":["pra ontem"],
                 "booking_words":[],"disqualifiers":["revenda"],"procedure_departments":{"hair_transplant":"capilar"},"language_departments":{"en":"international"},
                 "default_department":"geral","llm_enabled":true,"llm_base_url":"http://127.0.0.1:11434/v1","llm_model":"llama3","llm_timeout_seconds":5,
                 "llm_api_key":"sk-very-secret"}
                """#
            let saved = try await bed.send(.PUT, path, as: "adminA1", json: body)
            #expect(saved.status == .ok, "\(saved.body.string)")
            #expect(!saved.body.string.contains("sk-very-secret"))
            #expect(try saved.json()["llm_api_key_set"] as? Bool == true)
            let read = try await bed.send(.GET, path, as: "adminA1")
            #expect((try read.json()["procedure_departments"] as? [String: String]) == ["hair_transplant": "capilar"])
            #expect(!read.body.string.contains("sk-very-secret"))
            let (settings, key) = try await bed.services.engine.scoring.settings(clinicID: bed.clinicA1.id)
            #expect(key == "sk-very-secret")
            #expect(settings.vocabulary.procedures.first?.key == "hair_transplant")
            // Leaving the key out keeps it; "" removes it.
            _ = try await bed.send(.PUT, path, as: "adminA1", json: body.replacingOccurrences(of: #","llm_api_key":"sk-very-secret""#, with: ""))
            #expect(try await bed.services.engine.scoring.settings(clinicID: bed.clinicA1.id).llmAPIKey == "sk-very-secret")
            _ = try await bed.send(.PUT, path, as: "adminA1", json: body.replacingOccurrences(of: "sk-very-secret", with: ""))
            #expect(try await bed.services.engine.scoring.settings(clinicID: bed.clinicA1.id).llmAPIKey == nil)

            let badURL = try await bed.send(.PUT, path, as: "adminA1", json: body.replacingOccurrences(of: "http://127.0.0.1:11434/v1", with: "not a url"))
            #expect(badURL.status == .unprocessableEntity)
            #expect(try await bed.send(.GET, path, as: "consultantA1").status == .forbidden)
        }
    }

    @Test func consultantsGetCapsHoursAndTeams() async throws {
        try await withAPI(.sqlite) { bed in
            _ = try await bed.send(.POST, "/clinics/\(bed.clinicA1.id)/teams", as: "adminA1", json: #"{"key":"implantes","name":"Implantes"}"#)
            let path = "/clinics/\(bed.clinicA1.id)/users/\(bed.users["consultantA1"]!.id)/assignment"
            let set = try await bed.send(.PUT, path, as: "adminA1", json: #"{"max_open_leads":25,"working_hours":{"mon":["09:00-18:00"],"sat":["09:00-13:00"]},"team_keys":["implantes"]}"#)
            #expect(set.status == .ok, "\(set.body.string)")
            let user = try #require(try await bed.services.engine.access.user(id: bed.users["consultantA1"]!.id))
            #expect(user.maxOpenLeads == 25)
            #expect(user.workingHours?.schedule == ["mon": ["09:00-18:00"], "sat": ["09:00-13:00"]])
            let teams = try await bed.services.engine.access.teams(clinicID: bed.clinicA1.id)
            #expect(teams.first { $0.key == "implantes" }?.memberIDs == [user.id])
            let consultants = try await bed.services.engine.access.consultants(clinicID: bed.clinicA1.id, openLeads: [:])
            #expect(consultants.first { $0.id == user.id }?.departments == ["implantes"])

            let bad = try await bed.send(.PUT, path, as: "adminA1", json: #"{"working_hours":{"mon":["18:00-09:00"]}}"#)
            #expect(bad.status == .unprocessableEntity)
            #expect((try bad.json()["reason"] as? String)?.contains("18:00-09:00") == true)
            let unknownTeam = try await bed.send(.PUT, path, as: "adminA1", json: #"{"team_keys":["nope"]}"#)
            #expect(unknownTeam.status == .unprocessableEntity)
        }
    }

    @Test func tasksCanBeListedAndCompleted() async throws {
        try await withAPI(.sqlite) { bed in
            let list = try await bed.send(.GET, "/clinics/\(bed.clinicA1.id)/tasks", as: "viewerA1")
            #expect((try list.json()["items"] as? [Any])?.count == 1)
            let done = try await bed.send(.POST, "/clinics/\(bed.clinicA1.id)/tasks/\(bed.ids["taskID"]!)/done", as: "consultantA1")
            #expect(done.status == .noContent)
            #expect((try await bed.send(.GET, "/clinics/\(bed.clinicA1.id)/tasks", as: "viewerA1").json()["items"] as? [Any])?.isEmpty == true)
            #expect((try await bed.send(.GET, "/clinics/\(bed.clinicA1.id)/tasks?status=done", as: "viewerA1").json()["items"] as? [Any])?.count == 1)
            let scores = try await bed.send(.GET, "/clinics/\(bed.clinicA1.id)/leads/\(bed.ids["leadID"]!)/scores", as: "viewerA1")
            #expect(scores.status == .ok)
        }
    }
}
