import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

/// Whole conversations through the real intake, assistant and outbox, replies sent to a loopback
/// Graph API that checks Meta's wire format.
@Suite struct AssistantConversationTests {
    @Test(arguments: TestDatabase.available)
    func templateModeWalksEveryStageAndBooks(database: TestDatabase) async throws {
        try await withWhatsApp(database) { harness, whatsapp, channel in
            let dentist = try await harness.setUpAssistant()
            try await harness.say("Oi, quero fazer um implante", id: "wamid.a1", on: channel)
            #expect(try await harness.conversation()?.assistantStage == .qualification)
            try await harness.say("No próximo mês", id: "wamid.a2", on: channel)
            try await harness.say("Prefiro parcelar", id: "wamid.a3", on: channel)
            try await harness.say("Terça de manhã", id: "wamid.a4", on: channel)
            #expect(try await harness.conversation()?.assistantStage == .simulation)
            try await harness.say("Sim, quero", id: "wamid.a5", on: channel)
            #expect(try await harness.conversation()?.assistantStage == .conversion)
            try await harness.say("2", id: "wamid.a6", on: channel)
            try await harness.say("Obrigada!", id: "wamid.a7", on: channel)

            let sent = whatsapp.sent
            #expect(sent.count == 6, "one reply per message until the hand-off, then silence: \(sent)")
            #expect(whatsapp.server.requests.allSatisfy { WhatsAppServer.problem($0) == nil })
            #expect(whatsapp.server.requests.allSatisfy { $0.json?["to"] as? String == "+5511987654321" })
            guard sent.count == 6 else { return }
            #expect(sent[0].hasPrefix("Olá! Aqui é a assistente da Clínica Sorriso"))
            #expect(sent[0].contains("Para quando"))
            #expect(sent[1].contains("valor em mente"))
            #expect(sent[2].contains("dias e períodos"))
            #expect(sent[3].contains("Implante dentário: R$ 3.500,00, ou em até 10x de R$ 350,00"))
            #expect(sent[4].contains("1) ter") && sent[4].contains("2) ter"))
            #expect(sent[5].hasPrefix("Prontinho! Sua avaliação está marcada para ter") && sent[5].contains("Dra. Ana"))

            // Every reply went out and carries the provider's id, for delivery statuses.
            let outbound = try await harness.outbound()
            #expect(outbound.map(\.status) == Array(repeating: "sent", count: 6))
            #expect(outbound.allSatisfy { $0.providerMessageID?.hasPrefix("wamid.out.") == true && $0.author == "assistant" })

            let conversation = try #require(try await harness.conversation())
            #expect(conversation.assistantStage == .transferred)
            let appointments = try await harness.components.scheduling.appointments(clinicID: harness.clinic.id)
            #expect(appointments.count == 1)
            let appointment = try #require(appointments.first)
            #expect(appointment.practitionerID == dentist.id)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "America/Sao_Paulo")!
            #expect(calendar.component(.weekday, from: appointment.startsAt) == 3)  // Tuesday
            #expect(calendar.component(.hour, from: appointment.startsAt) < 12)
            let lead = try #require(try await harness.components.leads.openLead(contactID: conversation.contactID))
            #expect(lead.stage == "MEETING_SCHEDULED")
            #expect(lead.firstResponseAt != nil)

            let events = try await harness.components.events.events(inStream: Contact.stream(conversation.contactID))
            let stages = try events.filter { $0.type == "assistant.stage_changed" }.map { try $0.decodePayload(as: AssistantEvents.StageChanged.self).to }
            #expect(stages == [.qualification, .simulation, .conversion, .transferred])
            let handoff = try #require(try events.first { $0.type == "assistant.handed_off" }.map { try $0.decodePayload(as: AssistantEvents.HandedOff.self) })
            #expect(handoff.reason == "booked")
            #expect(handoff.summary.contains("Procedure: implant") && handoff.summary.contains("Timing: later") && handoff.summary.contains("Budget: installments"), "\(handoff.summary)")
            #expect(handoff.summary.contains("Booked: Tue") && handoff.summary.contains("Dra. Ana"))
            let tasks = try await harness.components.scoring.tasks(clinicID: harness.clinic.id)
            #expect(tasks.contains { $0.kind == "assistant_handoff" })
        }
    }

    @Test(arguments: TestDatabase.available)
    func deliveryStatusesMoveForwardOnly(database: TestDatabase) async throws {
        try await withWhatsApp(database) { harness, _, channel in
            _ = try await harness.setUpAssistant()
            try await harness.say("Olá", id: "wamid.s1", on: channel)
            let reply = try #require(try await harness.outbound().first)
            let id = try #require(reply.providerMessageID)
            try await harness.deliver(IntakeHarness.metaStatus(id: id, status: "read", recipient: "5511987654321"), to: channel)
            try await harness.deliver(IntakeHarness.metaStatus(id: id, status: "delivered", recipient: "5511987654321"), to: channel)
            #expect(try await harness.outbound().first?.status == "read")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aTakeoverSilencesTheAssistantUntilHandedBack(database: TestDatabase) async throws {
        try await withWhatsApp(database) { harness, whatsapp, channel in
            _ = try await harness.setUpAssistant()
            try await harness.say("Oi, quero um implante", id: "wamid.t1", on: channel)
            let conversation = try #require(try await harness.conversation())
            #expect(try await harness.components.conversations.setHumanTakeover(true, conversationID: conversation.id, clinicID: harness.clinic.id))
            try await harness.say("Quanto custa?", id: "wamid.t2", on: channel)
            #expect(whatsapp.sent.count == 1)
            try await harness.components.conversations.setHumanTakeover(false, conversationID: conversation.id, clinicID: harness.clinic.id)
            try await harness.say("Para o mês que vem", id: "wamid.t3", on: channel)
            #expect(whatsapp.sent.count == 2)
            #expect(whatsapp.sent.last?.contains("valor em mente") == true)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRedFlagGetsTheSafetyMessageOnceAndAPerson(database: TestDatabase) async throws {
        try await withWhatsApp(database) { harness, whatsapp, channel in
            _ = try await harness.setUpAssistant()
            try await harness.say("Estou com muita dor e o rosto inchado, com febre", id: "wamid.r1", on: channel)
            try await harness.say("Por favor me ajudem", id: "wamid.r2", on: channel)
            #expect(whatsapp.sent.count == 1)
            #expect(whatsapp.sent.first?.contains("192") == true)
            #expect(try await harness.conversation()?.assistantStage == .transferred)
            let tasks = try await harness.components.scoring.tasks(clinicID: harness.clinic.id)
            #expect(tasks.contains { $0.kind == "assistant_handoff" && $0.priority == "urgent" })
        }
    }

    @Test(arguments: TestDatabase.available)
    func askingForAPersonHandsOver(database: TestDatabase) async throws {
        try await withWhatsApp(database) { harness, whatsapp, channel in
            _ = try await harness.setUpAssistant()
            try await harness.say("Hola, quiero blanqueamiento", id: "wamid.h1", on: channel)
            try await harness.say("Prefiero hablar con una persona", id: "wamid.h2", on: channel)
            #expect(whatsapp.sent.count == 2)
            #expect(whatsapp.sent.last?.hasPrefix("Paso su conversación a una persona") == true)
            #expect(try await harness.conversation()?.assistantStage == .transferred)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anAssistantThatIsOffStaysQuiet(database: TestDatabase) async throws {
        try await withWhatsApp(database) { harness, whatsapp, channel in
            try await harness.say("Oi, quero um implante", id: "wamid.o1", on: channel)
            #expect(whatsapp.sent.isEmpty)
            #expect(try await harness.conversation()?.assistantStage == nil)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aSandboxChannelRecordsRepliesWithoutSending(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store)
            _ = try await harness.setUpAssistant()
            let channel = try await harness.components.channels.create(
                ClinicChannel(clinicID: harness.clinic.id, provider: .meta, name: "Demo", businessAccountID: "1", settings: ChannelSettings(apiBaseURL: "http://127.0.0.1:9", sandbox: true)),
                credentials: ChannelCredentials(["app_secret": "s"])
            )
            try await harness.say("Oi", id: "wamid.sb1", on: channel)
            let reply = try #require(try await harness.outbound().first)
            #expect(reply.status == "sent")
            #expect(reply.providerMessageID?.hasPrefix("sandbox:") == true)
        }
    }
}
