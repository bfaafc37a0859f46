import Foundation

/// How a clinic books and follows up: appointment types, reminders, no-show follow-up, recalls,
/// the templates used outside WhatsApp's window, consent and data retention, deposits.
public struct SchedulingSettings: Sendable, Equatable, Codable {
    public var appointmentTypes: [AppointmentType]
    /// Hours before an appointment a reminder goes out.
    public var reminderHours: [Int]
    /// Hours after a no-show the follow-up goes; nil turns it off.
    public var noShowFollowUpHours: Int?
    /// Procedure key → months after a done appointment to invite the patient back.
    public var recallMonths: [String: Int]
    /// Follow-up kind (`reminder`, `no_show`, `recall`, `missed_call`, `booking_confirmation`) → language → template.
    public var templates: [String: [String: WhatsAppTemplate]]
    /// An opt-in older than this no longer allows proactive messages.
    public var consentMonths: Int
    /// Raw webhook bodies older than this are deleted (the normalised events stay).
    public var deliveryRetentionDays: Int
    /// A paid deposit closes the lead as won.
    public var wonOnDeposit: Bool
    /// A missed call gets a WhatsApp message back.
    public var missedCallTextBack: Bool

    public init(
        appointmentTypes: [AppointmentType] = [], reminderHours: [Int] = [24, 2], noShowFollowUpHours: Int? = 2, recallMonths: [String: Int] = [:],
        templates: [String: [String: WhatsAppTemplate]] = [:], consentMonths: Int = 24, deliveryRetentionDays: Int = 30, wonOnDeposit: Bool = false,
        missedCallTextBack: Bool = true
    ) {
        self.appointmentTypes = appointmentTypes
        self.reminderHours = reminderHours
        self.noShowFollowUpHours = noShowFollowUpHours
        self.recallMonths = recallMonths
        self.templates = templates
        self.consentMonths = consentMonths
        self.deliveryRetentionDays = deliveryRetentionDays
        self.wonOnDeposit = wonOnDeposit
        self.missedCallTextBack = missedCallTextBack
    }

    /// The first thing wrong, in words a clinic admin can act on; nil when the settings are usable.
    /// Decoding and the API both use it, so the rules live in one place.
    public var problem: String? {
        var keys = Set<String>()
        for type in appointmentTypes {
            if type.key.isEmpty || type.name.isEmpty { return "appointment_types: every type needs a key and a name" }
            if !keys.insert(type.key).inserted { return "appointment_types: \(type.key) appears twice" }
            if !(5...480).contains(type.minutes) { return "appointment_types.\(type.key).minutes must be between 5 and 480" }
        }
        if reminderHours.contains(where: { !(1...336).contains($0) }) { return "reminder_hours must be between 1 and 336" }
        if let hours = noShowFollowUpHours, !(0...720).contains(hours) { return "no_show_follow_up_hours must be between 0 and 720" }
        if let bad = recallMonths.first(where: { !(1...60).contains($0.value) }) { return "recall_months.\(bad.key) must be between 1 and 60" }
        if let bad = templates.keys.first(where: { FollowUpKind(rawValue: $0) == nil }) {
            return "templates.\(bad) is not one of \(FollowUpKind.allCases.map(\.rawValue).joined(separator: ", "))"
        }
        if !(1...120).contains(consentMonths) { return "consent_months must be between 1 and 120" }
        if !(1...3650).contains(deliveryRetentionDays) { return "delivery_retention_days must be between 1 and 3650" }
        return nil
    }

    public func appointmentType(_ key: String?) -> AppointmentType? {
        guard let key else { return nil }
        return appointmentTypes.first { $0.key == key }
    }

    /// The template for a follow-up in a language, else that follow-up's first one.
    public func template(_ kind: FollowUpKind, language: String?) -> WhatsAppTemplate? {
        guard let byLanguage = templates[kind.rawValue] else { return nil }
        return language.flatMap { byLanguage[$0] } ?? byLanguage.keys.sorted().first.flatMap { byLanguage[$0] }
    }

    enum CodingKeys: String, CodingKey {
        case appointmentTypes = "appointment_types", reminderHours = "reminder_hours", noShowFollowUpHours = "no_show_follow_up_hours"
        case recallMonths = "recall_months", templates, consentMonths = "consent_months", deliveryRetentionDays = "delivery_retention_days"
        case wonOnDeposit = "won_on_deposit", missedCallTextBack = "missed_call_text_back"
    }

    /// Every field optional: a clinic sends what it changes from the defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SchedulingSettings()
        appointmentTypes = try container.decodeIfPresent([AppointmentType].self, forKey: .appointmentTypes) ?? []
        reminderHours = try container.decodeIfPresent([Int].self, forKey: .reminderHours) ?? defaults.reminderHours
        noShowFollowUpHours = container.contains(.noShowFollowUpHours)
            ? try container.decodeIfPresent(Int.self, forKey: .noShowFollowUpHours) : defaults.noShowFollowUpHours
        recallMonths = try container.decodeIfPresent([String: Int].self, forKey: .recallMonths) ?? [:]
        templates = try container.decodeIfPresent([String: [String: WhatsAppTemplate]].self, forKey: .templates) ?? [:]
        consentMonths = try container.decodeIfPresent(Int.self, forKey: .consentMonths) ?? defaults.consentMonths
        deliveryRetentionDays = try container.decodeIfPresent(Int.self, forKey: .deliveryRetentionDays) ?? defaults.deliveryRetentionDays
        wonOnDeposit = try container.decodeIfPresent(Bool.self, forKey: .wonOnDeposit) ?? defaults.wonOnDeposit
        missedCallTextBack = try container.decodeIfPresent(Bool.self, forKey: .missedCallTextBack) ?? defaults.missedCallTextBack
        if let problem { throw InvalidSettings(problem: problem, section: "scheduling") }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(appointmentTypes, forKey: .appointmentTypes)
        try container.encode(reminderHours, forKey: .reminderHours)
        try container.encode(noShowFollowUpHours, forKey: .noShowFollowUpHours)
        try container.encode(recallMonths, forKey: .recallMonths)
        try container.encode(templates, forKey: .templates)
        try container.encode(consentMonths, forKey: .consentMonths)
        try container.encode(deliveryRetentionDays, forKey: .deliveryRetentionDays)
        try container.encode(wonOnDeposit, forKey: .wonOnDeposit)
        try container.encode(missedCallTextBack, forKey: .missedCallTextBack)
    }
}

/// Settings that decode but break a rule; the text names the field and the rule.
public struct InvalidSettings: Error, Equatable, CustomStringConvertible {
    public var problem: String
    /// Which settings: `assistant`, `scheduling`.
    public var section: String
    public init(problem: String, section: String) {
        self.problem = problem
        self.section = section
    }
    public var description: String { "\(section): \(problem)" }
}
