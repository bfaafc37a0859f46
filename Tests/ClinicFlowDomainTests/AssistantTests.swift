import ClinicFlowDomain
import Foundation
import Testing

@Suite struct AssistantTests {
    let saoPaulo = TimeZone(identifier: "America/Sao_Paulo")!
    let dentist = UUID()

    func context(_ language: String, slots: [Slot] = []) -> AssistantContext {
        AssistantContext(
            clinicName: "Clinic", language: language, timeZone: saoPaulo,
            settings: AssistantSettings(enabled: true, priceList: [PriceItem(procedure: "whitening", name: "Whitening", priceCents: 120_000, currency: "EUR", maxInstallments: 3)]),
            freeSlots: slots, practitionerNames: [dentist: "Dr. Vega"]
        )
    }

    /// A Monday 09:00 in São Paulo and the two days after.
    var slots: [Slot] {
        let monday = Date(timeIntervalSince1970: 1_764_590_400)  // 2025-12-01 12:00 UTC = 09:00 -03
        return (0..<3).map { Slot(practitionerID: dentist, startsAt: monday.addingTimeInterval(Double($0) * 86_400), endsAt: monday.addingTimeInterval(Double($0) * 86_400 + 1800)) }
    }

    /// Runs a conversation the way the engine does: facts merged first, then the turn.
    func walk(_ messages: [String], language: String) -> [AssistantTurn] {
        let extractor = FactExtractor()
        let assistant = TemplateAssistant(extractor: extractor)
        var state = AssistantState()
        var turns: [AssistantTurn] = []
        for text in messages {
            state.facts = state.facts.merged(with: extractor.facts(in: text, pending: state.pending, language: language))
            let turn = assistant.respond(to: text, state: state, context: context(language, slots: slots))
            turns.append(turn)
            state = turn.state
        }
        return turns
    }

    @Test func englishWalksEveryStageToABooking() {
        let turns = walk(["Hi, I'd like teeth whitening", "This week", "I can pay 1000 euros", "Any weekday morning", "Yes please", "The second one"], language: "en")
        #expect(turns.map(\.state.stage) == [.qualification, .qualification, .qualification, .simulation, .conversion, .transferred])
        #expect(turns[0].reply?.contains("When would you like") == true)
        #expect(turns[3].reply?.contains("Whitening: €1,200.00, or up to 3 interest-free installments of €400.00.") == true)
        #expect(turns[4].reply?.contains("1) Mon 01/12 09:00") == true)
        #expect(turns[5].booking == slots[1])
        #expect(turns[5].reply == "All set! Your assessment is booked for Tue 02/12 09:00 with Dr. Vega. You'll get a reminder beforehand.")
        #expect(turns[5].handoff?.summary.contains("Timing: this_week") == true)
        #expect(turns[5].handoff?.summary.contains("Budget: 1000") == true)
    }

    @Test func spanishAndRomanianSpeakTheirLanguage() {
        let spanish = walk(["Hola, quiero un blanqueamiento", "el próximo mes", "no sé", "los lunes por la tarde"], language: "es")
        #expect(spanish[0].reply?.hasPrefix("¡Hola! Soy la asistente de Clinic") == true)
        #expect(spanish[3].reply?.contains("Whitening: 1.200,00 €, o hasta 3 cuotas de 400,00 €") == true)
        #expect(spanish[3].state.facts.weekdays == ["mon"] && spanish[3].state.facts.periods == [.afternoon])
        let romanian = walk(["Bună ziua, vreau albire", "luna viitoare"], language: "ro")
        #expect(romanian[0].reply?.hasPrefix("Bună ziua! Sunt asistenta Clinic") == true)
        #expect(romanian[1].reply == "Aveți un buget în minte sau preferați să vedeți opțiunile de plată în rate?")
    }

    @Test func anUnansweredQuestionIsNotAskedTwice() {
        let turns = walk(["Olá", "não sei", "hmm", "tanto faz", "ok"], language: "pt")
        // procedure, timing, budget and days asked once each, then the price step.
        #expect(turns.map(\.state.pending) == [.procedure, .timing, .budget, .days, .wantsBooking])
        #expect(turns[4].reply?.contains("O valor depende da avaliação") == true)
    }

    @Test func noAnswerToBookingOrNoSlotsHandsOver() {
        let declined = walk(["Quero clareamento", "este mês", "500 reais", "segunda", "Não, agora não"], language: "pt")
        #expect(declined.last?.handoff?.reason == "not ready to book")
        #expect(declined.last?.reply?.hasPrefix("Vou passar sua conversa") == true)

        var state = AssistantState(stage: .simulation, pending: .wantsBooking)
        state.facts.procedure = "whitening"
        let noSlots = TemplateAssistant().respond(to: "sim", state: state, context: context("pt"))
        #expect(noSlots.handoff?.reason == "no free slot")
        #expect(noSlots.reply?.hasPrefix("Não encontrei horários livres") == true)
    }

    @Test func aSlotCanBePickedByNumberWeekdayOrHour() {
        let extractor = FactExtractor()
        #expect(extractor.chosenSlot("3", offered: slots, timeZone: saoPaulo) == slots[2])
        #expect(extractor.chosenSlot("a primeira", offered: slots, timeZone: saoPaulo) == slots[0])
        #expect(extractor.chosenSlot("pode ser na terça?", offered: slots, timeZone: saoPaulo) == slots[1])
        #expect(extractor.chosenSlot("as 9", offered: slots, timeZone: saoPaulo) == nil, "three slots at 09:00: ambiguous")
        #expect(extractor.chosenSlot("não sei", offered: slots, timeZone: saoPaulo) == nil)
    }

    @Test func yesNoAndHumanRequestsAreRead() {
        let extractor = FactExtractor()
        #expect(extractor.answer("Sim, pode ser no sábado") == true)
        #expect(extractor.answer("Não, obrigado") == false)
        #expect(extractor.answer("Da") == true)
        #expect(extractor.answer("talvez") == nil)
        #expect(extractor.wantsHuman("Quero falar com um atendente"))
        #expect(extractor.wantsHuman("Can I talk to someone real?"))
        #expect(!extractor.wantsHuman("Quero um implante"))
    }

    @Test func budgetsAreReadWithTheirMultipliers() {
        let extractor = FactExtractor()
        #expect(extractor.facts(in: "uns 3 mil", pending: nil).budget == "3000")
        #expect(extractor.facts(in: "até R$ 2500", pending: nil).budget == "2500")
        #expect(extractor.facts(in: "tenho 2 filhos", pending: nil).budget == nil, "a number without money is not a budget")
        #expect(extractor.facts(in: "1500", pending: .budget).budget == "1500")
        #expect(extractor.facts(in: "prefiro parcelar", pending: nil).budget == "installments")
    }

    @Test func moneyIsWrittenTheLocalWay() {
        #expect(MoneyFormat.format(cents: 350_000, currency: "BRL", language: "pt") == "R$ 3.500,00")
        #expect(MoneyFormat.format(cents: 123_456_789, currency: "EUR", language: "en") == "€1,234,567.89")
        #expect(MoneyFormat.format(cents: 5, currency: "RON", language: "ro") == "0,05 lei")
        #expect(PriceItem(procedure: "x", name: "x", priceCents: 100_000, currency: "BRL", maxInstallments: 3).installmentCents == 33_334)
    }

    @Test func settingsRejectNonsenseWithTheField() throws {
        let decoder = JSONDecoder()
        #expect(try decoder.decode(AssistantSettings.self, from: Data("{}".utf8)) == AssistantSettings())
        #expect(throws: InvalidSettings.self) { try decoder.decode(AssistantSettings.self, from: Data(#"{"appointment_minutes": 0}"#.utf8)) }
        #expect(throws: InvalidSettings.self) {
            try decoder.decode(AssistantSettings.self, from: Data(#"{"price_list": [{"procedure":"x","name":"x","price_cents":-1,"currency":"BRL"}]}"#.utf8))
        }
        let noQuietHours = AssistantSettings(quietHours: nil)
        #expect(try decoder.decode(AssistantSettings.self, from: JSONEncoder().encode(noQuietHours)).quietHours == nil)
    }
}

@Suite struct OutboundPolicyTests {
    let zone = TimeZone(identifier: "Europe/Lisbon")!
    let template = WhatsAppTemplate(name: "follow_up", languageCode: "pt_PT")
    /// 2025-06-10 23:30 in Lisbon (UTC+1).
    let night = Date(timeIntervalSince1970: 1_749_594_600)

    func policy(_ provider: Provider = .meta, templates: [String: WhatsAppTemplate] = [:]) -> OutboundPolicy {
        OutboundPolicy(provider: provider, settings: AssistantSettings(templates: templates, quietHours: .standard), timeZone: zone)
    }

    @Test func theWindowDecidesBetweenTextAndTemplate() {
        let recent = night.addingTimeInterval(-3600)
        let old = night.addingTimeInterval(-25 * 3600)
        #expect(policy().decide(purpose: .reply, optedOut: false, lastInbound: recent, language: "pt", now: night) == .freeForm)
        #expect(policy(templates: ["pt": template]).decide(purpose: .reply, optedOut: false, lastInbound: old, language: "pt", now: night) == .template(template))
        #expect(policy().decide(purpose: .reply, optedOut: false, lastInbound: old, language: "pt", now: night)
            == .refuse("outside WhatsApp's 24-hour window and the clinic has no approved template"))
        #expect(policy(.evolution).decide(purpose: .reply, optedOut: false, lastInbound: old, language: "pt", now: night) == .freeForm, "WhatsApp Web has no window")
    }

    @Test func consentAndQuietHoursApplyByPurpose() {
        let recent = night.addingTimeInterval(-60)
        #expect(policy().decide(purpose: .reply, optedOut: true, lastInbound: recent, language: nil, now: night) == .refuse("the contact opted out of messages"))
        #expect(policy().decide(purpose: .transactional, optedOut: true, lastInbound: recent, language: nil, now: night) == .freeForm)
        guard case .holdUntil(let date) = policy().decide(purpose: .proactive, optedOut: false, lastInbound: recent, language: nil, now: night) else {
            Issue.record("a follow-up at 23:30 must wait"); return
        }
        #expect(date == Date(timeIntervalSince1970: 1_749_625_200))  // 08:00 Lisbon the next day
        #expect(policy().decide(purpose: .reply, optedOut: false, lastInbound: recent, language: nil, now: night) == .freeForm)
    }

    @Test func keywordsMustBeTheWholeMessage() {
        #expect(ConsentKeywords.intent(of: "STOP") == .optOut)
        #expect(ConsentKeywords.intent(of: "Parar!") == .optOut)
        #expect(ConsentKeywords.intent(of: "baja.") == .optOut)
        #expect(ConsentKeywords.intent(of: "Dezabonare") == .optOut)
        #expect(ConsentKeywords.intent(of: "não consigo parar de sangrar") == nil)
        #expect(ConsentKeywords.intent(of: "Voltar") == .optIn)
        #expect(ConsentKeywords.confirmation(.optOut, language: "es").contains("ALTA"))
    }
}
