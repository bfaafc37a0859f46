import Foundation

/// Where the assistant is in a conversation. It only moves forward; TRANSFERRED is the end, and a
/// consultant handing the conversation back starts again at QUALIFICATION with what is known.
public enum AssistantStage: String, Sendable, Codable, CaseIterable, Comparable {
    case intro = "INTRO"
    case qualification = "QUALIFICATION"
    case simulation = "SIMULATION"
    case conversion = "CONVERSION"
    case transferred = "TRANSFERRED"

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What the person has told the assistant so far.
public struct AssistantFacts: Sendable, Equatable, Codable {
    /// Procedure key (`implant`, `whitening`).
    public var procedure: String?
    /// `now`, `this_week`, `this_month`, `later`, or `unknown` once asked and not answered.
    public var timing: String?
    /// What they said about money (`3000`, `installments`), or `unknown` once asked.
    public var budget: String?
    /// Preferred weekdays (`mon`…`sun`); empty is any day.
    public var weekdays: [String]
    public var periods: [DayPeriod]

    public init(procedure: String? = nil, timing: String? = nil, budget: String? = nil, weekdays: [String] = [], periods: [DayPeriod] = []) {
        self.procedure = procedure
        self.timing = timing
        self.budget = budget
        self.weekdays = weekdays
        self.periods = periods
    }

    /// The facts with anything new from `other` laid over them.
    public func merged(with other: AssistantFacts) -> AssistantFacts {
        AssistantFacts(
            procedure: other.procedure ?? procedure, timing: other.timing ?? timing, budget: other.budget ?? budget,
            weekdays: other.weekdays.isEmpty ? weekdays : other.weekdays, periods: other.periods.isEmpty ? periods : other.periods
        )
    }
}

/// The assistant's memory of one conversation, stored with it.
public struct AssistantState: Sendable, Equatable, Codable {
    public var stage: AssistantStage
    public var facts: AssistantFacts
    /// The question the last reply asked, so a bare answer ("next week", "2") is read as its answer.
    public var pending: Question?
    /// Questions already asked once: an unanswered one is not asked again.
    public var asked: [Question]
    public var offeredSlots: [Slot]
    public var bookedSlot: Slot?
    /// Times slots were offered and none was taken; after two the person is handed to a consultant.
    public var offers: Int
    public var safetyMessageSent: Bool
    public var turns: Int

    public enum Question: String, Sendable, Codable {
        case procedure, timing, budget, days, wantsBooking = "wants_booking", slot
    }

    public init(
        stage: AssistantStage = .intro, facts: AssistantFacts = .init(), pending: Question? = nil, asked: [Question] = [], offeredSlots: [Slot] = [], bookedSlot: Slot? = nil,
        offers: Int = 0, safetyMessageSent: Bool = false, turns: Int = 0
    ) {
        self.stage = stage
        self.facts = facts
        self.pending = pending
        self.asked = asked
        self.offeredSlots = offeredSlots
        self.bookedSlot = bookedSlot
        self.offers = offers
        self.safetyMessageSent = safetyMessageSent
        self.turns = turns
    }

    /// After a consultant hands the conversation back.
    public func resumed() -> AssistantState {
        var state = self
        state.stage = bookedSlot == nil ? .qualification : .transferred
        state.pending = nil
        state.offers = 0
        return state
    }
}
