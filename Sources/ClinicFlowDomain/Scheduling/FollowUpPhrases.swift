import Foundation

/// The free-form texts of follow-ups (inside WhatsApp's window, or on channels without one), in the
/// assistant's four languages. Outside the window the clinic's approved template goes instead.
public enum FollowUpPhrases {
    public struct Values: Sendable {
        public var name: String?
        public var clinic: String
        /// `qui 04/12 14:30`, in the clinic's time zone.
        public var when: String?
        public var practitioner: String?

        public init(name: String?, clinic: String, when: String? = nil, practitioner: String? = nil) {
            self.name = name
            self.clinic = clinic
            self.when = when
            self.practitioner = practitioner
        }

        /// The values a template's `{placeholders}` take.
        public var placeholders: [String: String] {
            ["name": name ?? "", "clinic": clinic, "time": when ?? "", "practitioner": practitioner ?? ""]
        }
    }

    public static func text(_ kind: FollowUpKind, language: String?, _ values: Values) -> String {
        let hello = values.name.map { " \($0.split(separator: " ").first.map(String.init) ?? $0)" } ?? ""
        let when = values.when ?? ""
        let with = values.practitioner.map { " (\($0))" } ?? ""
        switch (kind, language) {
        case (.reminder, "pt"): return "Olá\(hello)! Lembrete da \(values.clinic): sua consulta é \(when)\(with). Responda SIM para confirmar ou nos avise se precisar remarcar."
        case (.reminder, "es"): return "¡Hola\(hello)! Recordatorio de \(values.clinic): su cita es el \(when)\(with). Responda SÍ para confirmar o avísenos si necesita cambiarla."
        case (.reminder, "ro"): return "Bună\(hello)! Memento de la \(values.clinic): programarea dumneavoastră este \(when)\(with). Răspundeți DA pentru confirmare."
        case (.reminder, _): return "Hi\(hello)! A reminder from \(values.clinic): your appointment is on \(when)\(with). Reply YES to confirm or let us know if you need to change it."
        case (.noShow, "pt"): return "Olá\(hello), sentimos sua falta hoje na \(values.clinic). Quer escolher um novo horário?"
        case (.noShow, "es"): return "Hola\(hello), le echamos de menos hoy en \(values.clinic). ¿Quiere elegir un nuevo horario?"
        case (.noShow, "ro"): return "Bună\(hello), v-am așteptat astăzi la \(values.clinic). Doriți să alegeți o nouă oră?"
        case (.noShow, _): return "Hi\(hello), we missed you today at \(values.clinic). Would you like to pick a new time?"
        case (.recall, "pt"): return "Olá\(hello)! Já está na hora do seu retorno na \(values.clinic). Quer que a gente marque?"
        case (.recall, "es"): return "¡Hola\(hello)! Ya es momento de su control en \(values.clinic). ¿Se lo agendamos?"
        case (.recall, "ro"): return "Bună\(hello)! Este timpul pentru controlul dumneavoastră la \(values.clinic). Doriți să vă programăm?"
        case (.recall, _): return "Hi\(hello)! It's time for your check-up at \(values.clinic). Shall we book it for you?"
        case (.bookingConfirmation, "pt"): return "Consulta confirmada na \(values.clinic): \(when)\(with). Até lá!"
        case (.bookingConfirmation, "es"): return "Cita confirmada en \(values.clinic): \(when)\(with). ¡Hasta pronto!"
        case (.bookingConfirmation, "ro"): return "Programare confirmată la \(values.clinic): \(when)\(with). Vă așteptăm!"
        case (.bookingConfirmation, _): return "Appointment confirmed at \(values.clinic): \(when)\(with). See you then!"
        case (.missedCall, "pt"): return "Olá\(hello)! Vimos sua ligação para a \(values.clinic) e não conseguimos atender. Como podemos ajudar?"
        case (.missedCall, "es"): return "¡Hola\(hello)! Vimos su llamada a \(values.clinic) y no pudimos atender. ¿En qué podemos ayudarle?"
        case (.missedCall, "ro"): return "Bună\(hello)! Am văzut apelul dumneavoastră la \(values.clinic) și nu am putut răspunde. Cu ce vă putem ajuta?"
        case (.missedCall, _): return "Hi\(hello)! We saw your call to \(values.clinic) and couldn't pick up. How can we help?"
        }
    }

    /// `04/12 14:30` in the clinic's zone: day first, as in every language the assistant speaks but English,
    /// where the weekday name carries it anyway.
    public static func when(_ date: Date, timeZone: TimeZone, language: String?) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.weekday, .day, .month, .hour, .minute], from: date)
        let day = AssistantPhrases.of(language).weekdayName((parts.weekday ?? 1) - 1)
        return String(format: "%@ %02d/%02d %02d:%02d", day, parts.day ?? 0, parts.month ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }
}
