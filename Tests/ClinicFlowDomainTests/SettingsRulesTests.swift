import ClinicFlowDomain
import Foundation
import Testing

/// The assistant's settings have one set of rules, used by the API, clinicflow.yml and stored data.
@Suite struct SettingsRulesTests {
    @Test func assistantSettingsNameTheirFirstProblem() throws {
        let cases: [(String, String)] = [
            (#"{"price_list":[{"procedure":"implant","name":"Implante","price_cents":0,"currency":"BRL"}]}"#, "price_list[0].price_cents must be positive"),
            (#"{"price_list":[{"procedure":"implant","name":"Implante","price_cents":100,"currency":"REAIS"}]}"#, "price_list[0].currency must be an ISO 4217 code such as BRL or EUR"),
            (#"{"price_list":[{"procedure":"implant","name":"Implante","price_cents":100,"currency":"BRL","max_installments":60}]}"#, "price_list[0].max_installments must be from 1 to 48"),
            (#"{"templates":{"fr":{"name":"relance","language_code":"fr"}}}"#, "templates: fr is not one of pt, en, es, ro"),
            (#"{"appointment_minutes":1}"#, "appointment_minutes must be from 5 to 480"),
            (#"{"minimum_confidence":2}"#, "minimum_confidence must be from 0 to 1"),
        ]
        for (json, problem) in cases {
            #expect(throws: InvalidSettings(problem: problem, section: "assistant"), "\(json)") {
                try JSONDecoder().decode(AssistantSettings.self, from: Data(json.utf8))
            }
        }
        let fine = try JSONDecoder().decode(AssistantSettings.self, from: Data(#"{"price_list":[{"procedure":"implant","name":"Implante","price_cents":350000,"currency":"brl","max_installments":10}]}"#.utf8))
        #expect(fine.problem == nil && fine.priceList.first?.currency == "BRL" && fine.priceList.first?.installmentCents == 35_000)
    }
}
