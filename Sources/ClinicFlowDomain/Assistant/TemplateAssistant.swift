import Foundation

/// What the assistant knows about the clinic when it answers.
public struct AssistantContext: Sendable {
    public var clinicName: String
    public var language: String?
    public var timeZone: TimeZone
    public var settings: AssistantSettings
    /// Free slots matching the person's preferences as known after this message, best first.
    public var freeSlots: [Slot]
    public var practitionerNames: [UUID: String]

    public init(clinicName: String, language: String?, timeZone: TimeZone, settings: AssistantSettings, freeSlots: [Slot] = [], practitionerNames: [UUID: String] = [:]) {
        self.clinicName = clinicName
        self.language = language
        self.timeZone = timeZone
        self.settings = settings
        self.freeSlots = freeSlots
        self.practitionerNames = practitionerNames
    }
}

/// One answer of the assistant: what to say, what it now knows, and what to do.
public struct AssistantTurn: Sendable, Equatable {
    public var reply: String?
    public var state: AssistantState
    /// Book this slot for the person.
    public var booking: Slot?
    /// Hand the conversation to a person, with why and a summary for them.
    public var handoff: Handoff?

    public struct Handoff: Sendable, Equatable, Codable {
        public var reason: String
        public var summary: String
    }

    public init(reply: String?, state: AssistantState, booking: Slot? = nil, handoff: Handoff? = nil) {
        self.reply = reply
        self.state = state
        self.booking = booking
        self.handoff = handoff
    }
}

/// The default reply generator: no network, every stage from fixed phrases in the person's language.
/// Callers merge the message's facts into `state` first (so free slots can follow the days just named).
public struct TemplateAssistant: Sendable {
    let extractor: FactExtractor

    public init(extractor: FactExtractor = FactExtractor()) { self.extractor = extractor }

    public func respond(to text: String, state: AssistantState, context: AssistantContext) -> AssistantTurn {
        var state = state
        state.turns += 1
        guard state.stage != .transferred else { return AssistantTurn(reply: nil, state: state) }
        let phrases = AssistantPhrases.of(context.language)
        if extractor.wantsHuman(text, language: context.language) { return handoff(state, reason: "asked for a person", context: context) }

        var lines: [String] = []
        if state.stage == .intro {
            lines.append(phrases.greeting(context.clinicName))
            state.stage = .qualification
        }
        if state.stage == .qualification, let question = nextQuestion(state) {
            state.asked.append(question)
            state.pending = question
            lines.append(phrases.question(question))
            return AssistantTurn(reply: lines.joined(separator: "\n\n"), state: state)
        }
        if state.stage == .qualification { state.stage = .simulation }

        if state.stage == .simulation {
            if state.pending != .wantsBooking {
                lines.append(quote(state.facts.procedure, phrases: phrases, context: context))
                lines.append(phrases.offerBooking)
                state.pending = .wantsBooking
                return AssistantTurn(reply: lines.joined(separator: "\n\n"), state: state)
            }
            if extractor.answer(text) == false { return handoff(state, reason: "not ready to book", context: context) }
            state.stage = .conversion
            state.pending = nil
        }

        // CONVERSION
        if state.pending == .slot {
            if let chosen = extractor.chosenSlot(text, offered: state.offeredSlots, timeZone: context.timeZone) {
                state.bookedSlot = chosen
                let who = context.practitionerNames[chosen.practitionerID] ?? context.clinicName
                var turn = handoff(state, reason: "booked", context: context, farewell: false)
                turn.booking = chosen
                turn.reply = phrases.booked(phrases.when(chosen, timeZone: context.timeZone), who)
                return turn
            }
            state.offers += 1
            if state.offers >= 2 { return handoff(state, reason: "could not agree on a time", context: context) }
        }
        guard !context.freeSlots.isEmpty else {
            var turn = handoff(state, reason: "no free slot", context: context, farewell: false)
            turn.reply = phrases.noSlots
            return turn
        }
        state.offeredSlots = Array(context.freeSlots.prefix(3))
        state.pending = .slot
        lines.append(phrases.offerSlots)
        lines.append(state.offeredSlots.enumerated().map { phrases.slotLine($0, $1, timeZone: context.timeZone) }.joined(separator: "\n"))
        lines.append(phrases.pickSlot)
        return AssistantTurn(reply: lines.joined(separator: "\n\n"), state: state)
    }

    func nextQuestion(_ state: AssistantState) -> AssistantState.Question? {
        let facts = state.facts
        let missing: [(AssistantState.Question, Bool)] = [
            (.procedure, facts.procedure == nil), (.timing, facts.timing == nil), (.budget, facts.budget == nil), (.days, facts.weekdays.isEmpty && facts.periods.isEmpty),
        ]
        return missing.first { question, isMissing in isMissing && !state.asked.contains(question) }?.0
    }

    func quote(_ procedure: String?, phrases: AssistantPhrases, context: AssistantContext) -> String {
        guard let item = context.settings.price(for: procedure) else { return phrases.noPrice(procedure) }
        let total = MoneyFormat.format(cents: item.priceCents, currency: item.currency, language: context.language)
        let each = MoneyFormat.format(cents: item.installmentCents, currency: item.currency, language: context.language)
        return phrases.price(item.name, total, item.maxInstallments, each)
    }

    /// TRANSFERRED: the person hears that someone takes over; the consultant gets the summary.
    public func handoff(_ state: AssistantState, reason: String, context: AssistantContext, farewell: Bool = true) -> AssistantTurn {
        var state = state
        state.stage = .transferred
        state.pending = nil
        let summary = HandoffSummary.write(state: state, reason: reason, context: context)
        return AssistantTurn(
            reply: farewell ? AssistantPhrases.of(context.language).handoff : nil, state: state, handoff: .init(reason: reason, summary: summary)
        )
    }
}

extension AssistantPhrases {
    func question(_ question: AssistantState.Question) -> String {
        switch question {
        case .procedure: askProcedure
        case .timing: askTiming
        case .budget: askBudget
        case .days: askDays
        case .wantsBooking: offerBooking
        case .slot: pickSlot
        }
    }
}

/// The note a consultant reads when the assistant hands a conversation over.
public enum HandoffSummary {
    public static func write(state: AssistantState, reason: String, context: AssistantContext) -> String {
        let facts = state.facts
        var lines = ["Assistant hand-off: \(reason)."]
        lines.append("Procedure: \(facts.procedure ?? "not said")")
        lines.append("Timing: \(facts.timing ?? "not said")")
        lines.append("Budget: \(facts.budget ?? "not said")")
        let days = facts.weekdays.joined(separator: ", ") + (facts.periods.isEmpty ? "" : " (\(facts.periods.map(\.rawValue).joined(separator: ", ")))")
        lines.append("Preferred days: \(days.trimmingCharacters(in: .whitespaces).isEmpty ? "any" : days.trimmingCharacters(in: .whitespaces))")
        if let item = context.settings.price(for: facts.procedure) {
            lines.append("Quoted: \(item.name) \(MoneyFormat.format(cents: item.priceCents, currency: item.currency, language: "en"))")
        }
        if let slot = state.bookedSlot {
            let when = AssistantPhrases.english.when(slot, timeZone: context.timeZone)
            lines.append("Booked: \(when) with \(context.practitionerNames[slot.practitionerID] ?? "the clinic")")
        }
        lines.append("Stage reached: \(state.stage.rawValue), \(state.turns) message(s) answered.")
        return lines.joined(separator: "\n")
    }
}
