import Foundation

/// WhatsApp's customer-service window: free-form messages only within 24 hours of the person's last
/// message to the clinic; after that only an approved template.
public enum MessagingWindow {
    public static let length: TimeInterval = 24 * 3600

    public static func isOpen(lastInbound: Date?, now: Date) -> Bool {
        guard let lastInbound else { return false }
        return now.timeIntervalSince(lastInbound) < length
    }

    /// Channels that enforce the window: the official WhatsApp Business API (Evolution drives WhatsApp
    /// Web, which has neither the window nor templates).
    public static func applies(to provider: Provider) -> Bool {
        [.meta, .dialog360, .twilio].contains(provider)
    }
}

/// What an outbound message is, for consent and quiet hours.
public enum MessagePurpose: String, Sendable, Codable {
    /// An answer to someone who just wrote (the assistant or a consultant).
    case reply
    /// Appointment confirmations and reminders, opt-out confirmations: still sent after an opt-out.
    case transactional
    /// Follow-ups and re-engagement nobody asked for right now.
    case proactive
}

/// Opt-out and opt-in keywords people send as the whole message (STOP, PARAR, BAJA…).
public enum ConsentKeywords {
    static let optOut: Set<String> = [
        "stop", "parar", "pare", "sair", "cancelar", "descadastrar", "baja", "darme de baja", "unsubscribe", "stop all",
        "dezabonare", "dezabonez", "opreste", "nu mai trimiteti",
    ]
    static let optIn: Set<String> = ["start", "voltar", "alta", "subscribe", "reiniciar", "pornire", "porneste"]

    public enum Intent: Sendable, Equatable { case optOut, optIn }

    /// The intent when the whole message is a keyword ("Stop", "PARAR!", "baja."); nil otherwise,
    /// so "não consigo parar de sangrar" is not an opt-out.
    public static func intent(of text: String) -> Intent? {
        let words = FoldedText(text).tokens.joined(separator: " ")
        if optOut.contains(words) { return .optOut }
        if optIn.contains(words) { return .optIn }
        return nil
    }
}

/// When a clinic does not message people (unless they just wrote): `22:00–08:00` in its time zone.
public struct QuietHours: Sendable, Equatable, Codable {
    /// Minutes since midnight; the quiet period may cross midnight.
    public var startMinute: Int
    public var endMinute: Int

    public init(start: String, end: String) throws(WorkingHours.Problem) {
        guard let start = Self.minutes(start), let end = Self.minutes(end), start != end else { throw .badInterval("\(start)-\(end)") }
        self.startMinute = start
        self.endMinute = end
    }

    public static let standard = try! QuietHours(start: "21:00", end: "08:00")

    public func isQuiet(_ date: Date, timeZone: TimeZone) -> Bool {
        let minute = Self.minuteOfDay(date, timeZone)
        return startMinute < endMinute ? (startMinute..<endMinute).contains(minute) : (minute >= startMinute || minute < endMinute)
    }

    /// The moment quiet hours end, if `date` is inside them; else `date`.
    public func nextAllowed(after date: Date, timeZone: TimeZone) -> Date {
        guard isQuiet(date, timeZone: timeZone) else { return date }
        let minute = Self.minuteOfDay(date, timeZone)
        var wait = endMinute - minute
        if wait <= 0 { wait += 24 * 60 }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let startOfMinute = calendar.date(bySetting: .second, value: 0, of: date) ?? date
        return startOfMinute.addingTimeInterval(TimeInterval(wait * 60))
    }

    static func minuteOfDay(_ date: Date, _ timeZone: TimeZone) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }

    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), (0...23).contains(hours), (0...59).contains(minutes) else { return nil }
        return hours * 60 + minutes
    }

    enum CodingKeys: String, CodingKey { case start, end }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(start: try container.decode(String.self, forKey: .start), end: try container.decode(String.self, forKey: .end))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(String(format: "%02d:%02d", startMinute / 60, startMinute % 60), forKey: .start)
        try container.encode(String(format: "%02d:%02d", endMinute / 60, endMinute % 60), forKey: .end)
    }
}

extension ConsentKeywords {
    /// The one message an opt-out (or opt-in) still gets: confirmation, and how to undo it.
    public static func confirmation(_ intent: Intent, language: String?) -> String {
        switch (intent, language) {
        case (.optOut, "pt"): "Pronto, você não receberá mais mensagens nossas. Para voltar a receber, responda VOLTAR."
        case (.optOut, "es"): "Listo, no recibirá más mensajes nuestros. Para volver a recibirlos, responda ALTA."
        case (.optOut, "ro"): "Gata, nu veți mai primi mesaje de la noi. Pentru a le primi din nou, răspundeți START."
        case (.optOut, _): "Done, you will not receive more messages from us. To receive them again, reply START."
        case (.optIn, "pt"): "Obrigado! Você voltará a receber nossas mensagens."
        case (.optIn, "es"): "¡Gracias! Volverá a recibir nuestros mensajes."
        case (.optIn, "ro"): "Mulțumim! Veți primi din nou mesajele noastre."
        case (.optIn, _): "Thank you! You will receive our messages again."
        }
    }
}
