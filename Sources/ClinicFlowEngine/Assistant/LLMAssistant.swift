import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import Foundation

/// The LLM reply generator: the clinic's OpenAI-compatible model writes the reply, grounded in the
/// knowledge-base articles retrieved for the message, the price list and the real free slots. The
/// stages stay ours: the model proposes the next stage and we accept only a step forward that the
/// facts allow; a low confidence or a request for a person hands over. Any failure answers with the
/// templates instead, with the reason kept.
public struct LLMAssistant: Sendable {
    let client: ChatCompletionsClient
    let breaker: CircuitBreaker

    public init(client: ChatCompletionsClient = ChatCompletionsClient(), breaker: CircuitBreaker) {
        self.client = client
        self.breaker = breaker
    }

    struct Answer: Decodable {
        struct Facts: Decodable {
            var procedure: String?
            var timing: String?
            var budget: String?
            var weekdays: [String]
            var periods: [String]
        }
        var reply: String
        var confidence: Double
        var next_stage: String
        var facts: Facts
        var chosen_slot: Int?
        var wants_human: Bool
    }

    static var schema: [String: Any] {[
        "type": "object",
        "additionalProperties": false,
        "required": ["reply", "confidence", "next_stage", "facts", "chosen_slot", "wants_human"],
        "properties": [
            "reply": ["type": "string"],
            "confidence": ["type": "number", "minimum": 0, "maximum": 1],
            "next_stage": ["type": "string", "enum": AssistantStage.allCases.map(\.rawValue)],
            "facts": [
                "type": "object",
                "additionalProperties": false,
                "required": ["procedure", "timing", "budget", "weekdays", "periods"],
                "properties": [
                    "procedure": ["type": ["string", "null"]],
                    "timing": ["type": ["string", "null"], "enum": ["now", "this_week", "this_month", "later", NSNull()]],
                    "budget": ["type": ["string", "null"]],
                    "weekdays": ["type": "array", "items": ["type": "string", "enum": WorkingHours.weekdays]],
                    "periods": ["type": "array", "items": ["type": "string", "enum": DayPeriod.allCases.map(\.rawValue)]],
                ],
            ],
            "chosen_slot": ["type": ["integer", "null"]],
            "wants_human": ["type": "boolean"],
        ],
    ]}

    public func respond(
        to text: String, history: [Message], state: AssistantState, context: AssistantContext, articles: [KnowledgeRepository.Article], names: [String],
        endpoint: ChatCompletionsClient.Endpoint, fallback: TemplateAssistant
    ) async -> (turn: AssistantTurn, fallbackReason: String?) {
        func fallingBack(_ reason: String) -> (AssistantTurn, String?) { (fallback.respond(to: text, state: state, context: context), reason) }
        let key = endpoint.url
        if let refusal = breaker.refusal(for: key) { return fallingBack(refusal) }
        let content: String
        do {
            content = try await client.complete(
                system: Self.system(context: context, state: state), user: Self.prompt(text: text, history: history, context: context, articles: articles, names: names),
                schemaName: "assistant_reply", schema: Self.schema, endpoint: endpoint
            )
        } catch {
            breaker.recordFailure(key)
            return fallingBack(error.description)
        }
        guard let answer = try? JSONCoding.plainDecoder.decode(Answer.self, from: Data(content.utf8)),
            let proposed = AssistantStage(rawValue: answer.next_stage), (0...1).contains(answer.confidence)
        else {
            breaker.recordFailure(key)
            return fallingBack("the answer was not JSON of the requested shape")
        }
        breaker.recordSuccess(key)
        return (Self.turn(from: answer, proposed: proposed, state: state, context: context, fallback: fallback), nil)
    }

    static func turn(from answer: Answer, proposed: AssistantStage, state: AssistantState, context: AssistantContext, fallback: TemplateAssistant) -> AssistantTurn {
        var state = state
        state.turns += 1
        state.facts = state.facts.merged(with: AssistantFacts(
            procedure: answer.facts.procedure, timing: answer.facts.timing, budget: answer.facts.budget,
            weekdays: answer.facts.weekdays.filter(WorkingHours.weekdays.contains), periods: answer.facts.periods.compactMap(DayPeriod.init(rawValue:))
        ))
        let reply = String(answer.reply.trimmingCharacters(in: .whitespacesAndNewlines).prefix(1000))
        if answer.wants_human { return fallback.handoff(state, reason: "asked for a person", context: context) }
        if answer.confidence < context.settings.minimumConfidence || reply.isEmpty {
            return fallback.handoff(state, reason: String(format: "the assistant was not sure (confidence %.2f)", answer.confidence), context: context)
        }
        if state.stage == .conversion, let index = answer.chosen_slot, state.offeredSlots.indices.contains(index - 1) {
            let slot = state.offeredSlots[index - 1]
            state.bookedSlot = slot
            var turn = fallback.handoff(state, reason: "booked", context: context, farewell: false)
            turn.booking = slot
            turn.reply = reply
            return turn
        }
        // One step at a time, never into TRANSFERRED without a booking or a hand-off, never back.
        let allowed = AssistantStage.allCases.filter { $0 > max(state.stage, .intro) && $0 < .transferred }.first ?? state.stage
        let next = proposed <= state.stage ? max(state.stage, .qualification) : min(proposed, allowed)
        state.stage = next
        if next == .conversion {
            guard !context.freeSlots.isEmpty else {
                var turn = fallback.handoff(state, reason: "no free slot", context: context, farewell: false)
                turn.reply = reply
                return turn
            }
            state.offeredSlots = Array(context.freeSlots.prefix(3))
            state.pending = .slot
        }
        return AssistantTurn(reply: reply, state: state)
    }

    static func system(context: AssistantContext, state: AssistantState) -> String {
        """
        You are the WhatsApp assistant of \(context.clinicName), a clinic. Reply in the language with code "\(context.language ?? "en")", \
        warmly and briefly (at most 3 short sentences), one question at a time. Answer only from the knowledge base, price list and \
        free times given; when they do not hold the answer, say a person from the team will confirm and give a confidence below 0.5. \
        Never give medical advice or diagnoses. Stages: INTRO (greet), QUALIFICATION (learn procedure, timing, budget, preferred days), \
        SIMULATION (price and installments from the price list), CONVERSION (offer the numbered free times exactly as listed and book \
        the one chosen: set chosen_slot to its number), TRANSFERRED (a person takes over). The current stage is \(state.stage.rawValue); \
        next_stage may stay or move one stage forward. Set wants_human when the person asks for a human. Names and phone numbers are masked.
        """
    }

    static func prompt(text: String, history: [Message], context: AssistantContext, articles: [KnowledgeRepository.Article], names: [String]) -> String {
        var sections: [String] = []
        sections.append("Knowledge base:\n" + (articles.isEmpty ? "(nothing relevant)" : articles.enumerated().map { "[\($0 + 1)] \($1.title): \($1.body)" }.joined(separator: "\n")))
        let prices = context.settings.priceList.map { item in
            let total = MoneyFormat.format(cents: item.priceCents, currency: item.currency, language: context.language)
            let each = MoneyFormat.format(cents: item.installmentCents, currency: item.currency, language: context.language)
            return "- \(item.name) (\(item.procedure)): \(total)" + (item.maxInstallments > 1 ? ", up to \(item.maxInstallments) installments of \(each)" : "")
        }
        sections.append("Price list:\n" + (prices.isEmpty ? "(none: prices are given after an assessment)" : prices.joined(separator: "\n")))
        let phrases = AssistantPhrases.of(context.language)
        let slots = context.freeSlots.prefix(3).enumerated().map { phrases.slotLine($0, $1, timeZone: context.timeZone) }
        sections.append("Free times:\n" + (slots.isEmpty ? "(none known yet)" : slots.joined(separator: "\n")))
        let transcript = history.map { message in
            "\(message.direction == .inbound ? "Patient" : "Clinic"): \(PromptMasking.mask(message.body ?? "", names: names))"
        }
        sections.append("Conversation so far:\n" + (transcript.isEmpty ? "(none)" : transcript.joined(separator: "\n")))
        sections.append("New message from the patient:\n" + PromptMasking.mask(text, names: names))
        return sections.joined(separator: "\n\n")
    }
}
