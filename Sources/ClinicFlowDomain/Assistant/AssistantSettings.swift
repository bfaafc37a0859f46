import Foundation

/// How a clinic's assistant behaves: on or off, what it quotes, which templates it may send outside
/// WhatsApp's 24-hour window, when it stays quiet.
public struct AssistantSettings: Sendable, Equatable, Codable {
    /// Off until the clinic turns it on: nobody's patients get automatic answers by surprise.
    public var enabled: Bool
    /// Answer with the clinic's OpenAI-compatible endpoint (the scoring LLM settings) instead of templates.
    public var useLLM: Bool
    public var priceList: [PriceItem]
    /// Approved WhatsApp templates by language (`pt`, `en`, `es`, `ro`) for messages outside the window.
    public var templates: [String: WhatsAppTemplate]
    public var quietHours: QuietHours?
    public var appointmentMinutes: Int
    /// LLM replies below this confidence go to a person instead.
    public var minimumConfidence: Double

    public init(
        enabled: Bool = false, useLLM: Bool = false, priceList: [PriceItem] = [], templates: [String: WhatsAppTemplate] = [:],
        quietHours: QuietHours? = .standard, appointmentMinutes: Int = 30, minimumConfidence: Double = 0.6
    ) {
        self.enabled = enabled
        self.useLLM = useLLM
        self.priceList = priceList
        self.templates = templates
        self.quietHours = quietHours
        self.appointmentMinutes = appointmentMinutes
        self.minimumConfidence = minimumConfidence
    }

    enum CodingKeys: String, CodingKey {
        case enabled, useLLM = "use_llm", priceList = "price_list", templates, quietHours = "quiet_hours"
        case appointmentMinutes = "appointment_minutes", minimumConfidence = "minimum_confidence"
    }

    /// Every field optional on the wire: a clinic sends only what it changes from the defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = AssistantSettings()
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? defaults.enabled
        useLLM = try container.decodeIfPresent(Bool.self, forKey: .useLLM) ?? defaults.useLLM
        priceList = try container.decodeIfPresent([PriceItem].self, forKey: .priceList) ?? []
        templates = try container.decodeIfPresent([String: WhatsAppTemplate].self, forKey: .templates) ?? [:]
        quietHours = container.contains(.quietHours) ? try container.decodeIfPresent(QuietHours.self, forKey: .quietHours) : defaults.quietHours
        appointmentMinutes = try container.decodeIfPresent(Int.self, forKey: .appointmentMinutes) ?? defaults.appointmentMinutes
        minimumConfidence = try container.decodeIfPresent(Double.self, forKey: .minimumConfidence) ?? defaults.minimumConfidence
        if let problem { throw InvalidSettings(problem: problem, section: "assistant") }
    }

    /// The languages the assistant speaks, and so the keys templates may have.
    public static let languages = ["pt", "en", "es", "ro"]

    /// The first thing wrong, naming the field; nil when usable. Decoding (API, clinicflow.yml) uses it.
    public var problem: String? {
        for (index, price) in priceList.enumerated() {
            if price.procedure.isEmpty || price.name.isEmpty { return "price_list[\(index)] needs a procedure and a name" }
            if price.priceCents <= 0 { return "price_list[\(index)].price_cents must be positive" }
            if price.currency.count != 3 || !price.currency.allSatisfy(\.isLetter) { return "price_list[\(index)].currency must be an ISO 4217 code such as BRL or EUR" }
            if !(1...48).contains(price.maxInstallments) { return "price_list[\(index)].max_installments must be from 1 to 48" }
        }
        for (language, template) in templates.sorted(by: { $0.key < $1.key }) {
            if !Self.languages.contains(language) { return "templates: \(language) is not one of \(Self.languages.joined(separator: ", "))" }
            if template.name.isEmpty || template.languageCode.isEmpty { return "templates.\(language) needs name and language_code" }
        }
        if !(5...480).contains(appointmentMinutes) { return "appointment_minutes must be from 5 to 480" }
        if !(0...1).contains(minimumConfidence) { return "minimum_confidence must be from 0 to 1" }
        return nil
    }

    /// Writes `quiet_hours: null` when there are none, so "no quiet hours" survives a round trip.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(enabled, forKey: .enabled)
        try container.encode(useLLM, forKey: .useLLM)
        try container.encode(priceList, forKey: .priceList)
        try container.encode(templates, forKey: .templates)
        try container.encode(quietHours, forKey: .quietHours)
        try container.encode(appointmentMinutes, forKey: .appointmentMinutes)
        try container.encode(minimumConfidence, forKey: .minimumConfidence)
    }

    public func price(for procedure: String?) -> PriceItem? {
        guard let procedure else { return nil }
        return priceList.first { $0.procedure == procedure }
    }

    /// The template for a language, else the clinic's first one (a template in another language
    /// beats no message at all for a reminder).
    public func template(language: String?) -> WhatsAppTemplate? {
        language.flatMap { templates[$0] } ?? templates.keys.sorted().first.flatMap { templates[$0] }
    }
}

/// One line of the clinic's price list.
public struct PriceItem: Sendable, Equatable, Codable {
    public var procedure: String
    public var name: String
    /// In the currency's minor unit (cents), so sums and installments are exact.
    public var priceCents: Int
    /// ISO 4217: `BRL`, `EUR`, `USD`, `RON`, `GBP`.
    public var currency: String
    /// Most monthly installments offered (1 = cash only).
    public var maxInstallments: Int

    public init(procedure: String, name: String, priceCents: Int, currency: String, maxInstallments: Int = 1) {
        self.procedure = procedure
        self.name = name
        self.priceCents = priceCents
        self.currency = currency
        self.maxInstallments = maxInstallments
    }

    enum CodingKeys: String, CodingKey {
        case procedure, name, priceCents = "price_cents", currency, maxInstallments = "max_installments"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        procedure = try container.decode(String.self, forKey: .procedure)
        name = try container.decode(String.self, forKey: .name)
        priceCents = try container.decode(Int.self, forKey: .priceCents)
        currency = try container.decode(String.self, forKey: .currency).uppercased()
        maxInstallments = try container.decodeIfPresent(Int.self, forKey: .maxInstallments) ?? 1
        // Bounds are checked by AssistantSettings.problem, with the item's place in the list.
    }

    /// Each installment, rounded up to the cent so the installments never sum to less than the price.
    public var installmentCents: Int { (priceCents + maxInstallments - 1) / maxInstallments }
}

/// An approved WhatsApp message template.
public struct WhatsAppTemplate: Sendable, Equatable, Codable {
    public var name: String
    /// Meta's language code: `pt_BR`, `en_US`, `es`, `ro`.
    public var languageCode: String
    /// The body's `{{1}}`, `{{2}}`… in order; `{name}` and `{clinic}` are filled in per message.
    public var parameters: [String]

    public init(name: String, languageCode: String, parameters: [String] = []) {
        self.name = name
        self.languageCode = languageCode
        self.parameters = parameters
    }

    enum CodingKeys: String, CodingKey { case name, languageCode = "language_code", parameters }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        languageCode = try container.decode(String.self, forKey: .languageCode)
        parameters = try container.decodeIfPresent([String].self, forKey: .parameters) ?? []
    }

    /// The parameters for one person.
    public func filled(name: String?, clinic: String) -> [String] {
        filled(["name": name ?? "", "clinic": clinic])
    }

    /// `{key}` placeholders replaced by their values (`{time}`, `{practitioner}` for reminders).
    public func filled(_ values: [String: String]) -> [String] {
        parameters.map { parameter in
            values.reduce(parameter) { text, pair in text.replacingOccurrences(of: "{\(pair.key)}", with: pair.value) }
        }
    }
}

/// Money the way people in each language write it.
public enum MoneyFormat {
    public static func format(cents: Int, currency: String, language: String?) -> String {
        let english = language == "en"
        let (group, decimal) = english ? (",", ".") : (".", ",")
        let whole = String(cents / 100)
        var grouped = ""
        for (index, digit) in whole.enumerated() {
            if index > 0, (whole.count - index) % 3 == 0 { grouped += group }
            grouped.append(digit)
        }
        let amount = grouped + decimal + String(format: "%02d", cents % 100)
        switch currency {
        case "BRL": return "R$ " + amount
        case "USD": return "$" + amount
        case "GBP": return "£" + amount
        case "EUR": return english ? "€" + amount : amount + " €"
        case "RON": return amount + " lei"
        default: return amount + " " + currency
        }
    }
}
