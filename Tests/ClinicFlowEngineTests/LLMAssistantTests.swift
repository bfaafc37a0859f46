import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Synchronization
import Testing
import Vapor

/// The assistant in LLM mode against a loopback server speaking the OpenAI chat-completions
/// protocol: grounded in the knowledge base, stages kept by us, hand-off on low confidence,
/// templates when the model fails.
@Suite struct LLMAssistantTests {
    final class Model: Sendable {
        let prompts = Mutex<[String]>([])
        let failing = Mutex(false)
    }

    static func completion(_ content: [String: Any]) -> Response {
        let text = String(decoding: try! JSONSerialization.data(withJSONObject: content), as: UTF8.self)
        return LoopbackServer.json(["id": "chatcmpl-1", "object": "chat.completion", "choices": [["index": 0, "message": ["role": "assistant", "content": text], "finish_reason": "stop"]]])
    }

    static func answer(_ reply: String, confidence: Double = 0.9, stage: String, procedure: Any = NSNull(), weekdays: [String] = [], periods: [String] = [], slot: Any = NSNull()) -> [String: Any] {
        [
            "reply": reply, "confidence": confidence, "next_stage": stage, "chosen_slot": slot, "wants_human": false,
            "facts": ["procedure": procedure, "timing": NSNull(), "budget": NSNull(), "weekdays": weekdays, "periods": periods],
        ]
    }

    /// Answers by the patient's latest message, like a model that follows the system prompt.
    static func script(_ latest: String) -> [String: Any] {
        switch latest {
        case let text where text.contains("Onde fica"):
            answer("Ficamos na Rua das Flores, 100, no centro. Qual tratamento você procura?", stage: "QUALIFICATION", procedure: "implant")
        case let text where text.contains("Quanto custa"):
            answer("O implante custa R$ 3.500,00, em até 10x de R$ 350,00. Quer marcar uma avaliação?", stage: "SIMULATION")
        case let text where text.contains("terça"):
            answer("Tenho terça às 9h, 9h30 ou 11h. Qual prefere?", stage: "CONVERSION", weekdays: ["tue"], periods: ["morning"])
        case let text where text.contains("primeira"):
            answer("Prontinho, marcado para terça às 9h com a Dra. Ana!", stage: "CONVERSION", slot: 1)
        case let text where text.contains("financiamento"):
            answer("Talvez.", confidence: 0.3, stage: "QUALIFICATION")
        default:
            answer("Olá!", stage: "QUALIFICATION")
        }
    }

    func withModel(_ database: TestDatabase, _ body: (IntakeHarness, WhatsAppServer, ClinicChannel, Model) async throws -> Void) async throws {
        let model = Model()
        let llm = try await LoopbackServer.start([(.POST, "v1/chat/completions", { request in
            guard request.header("Authorization") == "Bearer sk-clinic" else { return LoopbackServer.json(["error": ["message": "no key"]], status: .unauthorized) }
            if model.failing.withLock({ $0 }) { return LoopbackServer.json(["error": ["message": "overloaded"]], status: .internalServerError) }
            let json = request.json ?? [:]
            let schema = ((json["response_format"] as? [String: Any])?["json_schema"] as? [String: Any])?["name"] as? String
            let user = ((json["messages"] as? [[String: Any]])?.last?["content"] as? String) ?? ""
            if schema == "lead_score" {
                return Self.completion(["score": 4, "temperature": "WARM", "confidence": 0.8, "reasons": ["asks about implant"], "procedure": "implant", "budget_mentioned": false, "urgency": "none"])
            }
            model.prompts.withLock { $0.append(user) }
            let latest = user.components(separatedBy: "New message from the patient:\n").last ?? ""
            return Self.completion(Self.script(latest))
        })])
        let whatsapp = try await WhatsAppServer.start()
        do {
            try await withTestStore(database) { store, _ in
                let harness = try await IntakeHarness(store: store)
                _ = try await harness.setUpAssistant(useLLM: true)
                try await harness.components.scoring.save(
                    ClinicSettings(llm: LLMSettings(enabled: true, baseURL: llm.baseURL + "/v1", model: "clinic-model", timeoutSeconds: 5)), llmAPIKey: "sk-clinic",
                    clinicID: harness.clinic.id
                )
                _ = try await harness.components.knowledge.create(.init(clinicID: harness.clinic.id, kind: "address", title: "Endereço", body: "A clínica fica na Rua das Flores, 100, centro. Estacionamento conveniado."))
                _ = try await harness.components.knowledge.create(.init(clinicID: harness.clinic.id, kind: "preparation", title: "Antes do clareamento", body: "Evite café e vinho 48 horas antes."))
                try await body(harness, whatsapp, try await harness.sendingChannel(whatsapp), model)
            }
        } catch {
            await llm.stop()
            await whatsapp.stop()
            throw error
        }
        await llm.stop()
        await whatsapp.stop()
    }

    @Test(arguments: TestDatabase.available)
    func llmModeIsGroundedAndWalksToABooking(database: TestDatabase) async throws {
        try await withModel(database) { harness, whatsapp, channel, model in
            try await harness.say("Onde fica a clínica? Quero um implante", id: "wamid.l1", on: channel)
            let firstPrompt = try #require(model.prompts.withLock { $0.first })
            #expect(firstPrompt.contains("Rua das Flores, 100"), "the address article is retrieved into the prompt")
            #expect(!firstPrompt.contains("Evite café"), "unrelated articles are left out")
            #expect(firstPrompt.contains("Implante dentário (implant): R$ 3.500,00, up to 10 installments of R$ 350,00"))
            #expect(try await harness.conversation()?.assistantStage == .qualification)

            try await harness.say("Quanto custa?", id: "wamid.l2", on: channel)
            #expect(try await harness.conversation()?.assistantStage == .simulation)
            try await harness.say("Pode ser terça de manhã", id: "wamid.l3", on: channel)
            #expect(try await harness.conversation()?.assistantStage == .conversion)
            let offeredPrompt = try #require(model.prompts.withLock { $0.last })
            #expect(offeredPrompt.contains("Free times:\n1) ter"), "real free slots are offered")
            try await harness.say("A primeira", id: "wamid.l4", on: channel)

            #expect(whatsapp.sent == [
                "Ficamos na Rua das Flores, 100, no centro. Qual tratamento você procura?",
                "O implante custa R$ 3.500,00, em até 10x de R$ 350,00. Quer marcar uma avaliação?",
                "Tenho terça às 9h, 9h30 ou 11h. Qual prefere?",
                "Prontinho, marcado para terça às 9h com a Dra. Ana!",
            ])
            #expect(try await harness.conversation()?.assistantStage == .transferred)
            let appointments = try await harness.components.scheduling.appointments(clinicID: harness.clinic.id)
            #expect(appointments.count == 1)
            let contactID = try #require(try await harness.conversation()?.contactID)
            let events = try await harness.components.events.events(inStream: Contact.stream(contactID))
            let stages = try events.filter { $0.type == "assistant.stage_changed" }.map { try $0.decodePayload(as: AssistantEvents.StageChanged.self) }
            #expect(stages.map(\.to) == [.qualification, .simulation, .conversion, .transferred])
            #expect(stages.allSatisfy { $0.generator == "llm:clinic-model" })
        }
    }

    @Test(arguments: TestDatabase.available)
    func lowConfidenceHandsOverToAPerson(database: TestDatabase) async throws {
        try await withModel(database) { harness, whatsapp, channel, _ in
            try await harness.say("Vocês aceitam financiamento pelo banco?", id: "wamid.l5", on: channel)
            #expect(whatsapp.sent == ["Vou passar sua conversa para uma pessoa da nossa equipe, que continua daqui. 🙂"])
            #expect(try await harness.conversation()?.assistantStage == .transferred)
            let tasks = try await harness.components.scoring.tasks(clinicID: harness.clinic.id)
            #expect(tasks.contains { $0.kind == "assistant_handoff" && $0.title.contains("not sure") })
        }
    }

    @Test(arguments: TestDatabase.available)
    func aFailingModelFallsBackToTemplates(database: TestDatabase) async throws {
        try await withModel(database) { harness, whatsapp, channel, model in
            model.failing.withLock { $0 = true }
            try await harness.say("Oi, quero um implante", id: "wamid.l6", on: channel)
            #expect(whatsapp.sent.count == 1)
            #expect(whatsapp.sent.first?.hasPrefix("Olá! Aqui é a assistente da Clínica Sorriso") == true)
            let contactID = try #require(try await harness.conversation()?.contactID)
            let events = try await harness.components.events.events(inStream: Contact.stream(contactID))
            let stage = try #require(try events.first { $0.type == "assistant.stage_changed" }.map { try $0.decodePayload(as: AssistantEvents.StageChanged.self) })
            #expect(stage.generator.hasPrefix("template (llm fallback: the endpoint answered HTTP 500"))
        }
    }
}
